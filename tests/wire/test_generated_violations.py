"""Constraint violations generated from the models, for every IAM and STS operation.

For each operation: drop each required top-level member in turn (AWS answers "Value null at
'<member>'"), and send each top-level string member one character over its maximum length
(AWS answers "Member must have length less than or equal to <max>"). Exactly that error must
come back; where repeating a valid value breaks a fixed format (ARNs, URLs), the pattern
failure follows the length failure.
"""

from __future__ import annotations

from typing import Any

import pytest

from rolegate.domain.errors import ValidationError
from rolegate.wire import decode_form, load_service
from wire.shape_values import ValueGenerator
from wire.test_botocore_oracle import botocore_request_body

FORM = "application/x-www-form-urlencoded"
#: policy documents (up to 2 MiB) are left to the unit tests: megabyte bodies would dominate the run
MAX_TESTED_LENGTH = 20_000


def top_level_members(kind: str) -> list[Any]:
    found = []
    for service_name in ("iam", "sts"):
        model = load_service(service_name).model
        for operation in model.operation_names:
            shape = model.operation_model(operation).input_shape
            if shape is None:
                continue
            for name, member in shape.members.items():
                wanted = (
                    name in shape.required_members
                    if kind == "required"
                    else member.type_name == "string"
                    and 0 < member.metadata.get("max", 0) <= MAX_TESTED_LENGTH
                    and not member.metadata.get("enum")
                )
                if wanted:
                    found.append(
                        pytest.param(service_name, operation, name, id=f"{operation}.{name}")
                    )
    return found


def validation_errors(service_name: str, operation: str, params: dict[str, Any]) -> str:
    service = load_service(service_name)
    body = botocore_request_body(service, operation, params, validate=False)
    form = decode_form(body, query_string="", content_type=FORM, content_encoding=None)
    with pytest.raises(ValidationError) as caught:
        service.parse_request(form)
    return caught.value.message


def path_of(member: str) -> str:
    return member[:1].lower() + member[1:]


@pytest.mark.parametrize(("service_name", "operation", "member"), top_level_members("required"))
def test_each_missing_required_member_is_named(
    service_name: str, operation: str, member: str
) -> None:
    shape = load_service(service_name).model.operation_model(operation).input_shape
    params = ValueGenerator(only_required=True).value(shape)
    del params[member]
    assert validation_errors(service_name, operation, params) == (
        f"1 validation error detected: Value null at '{path_of(member)}' failed to satisfy "
        "constraint: Member must not be null"
    )


@pytest.mark.parametrize(("service_name", "operation", "member"), top_level_members("too-long"))
def test_each_too_long_string_is_named(service_name: str, operation: str, member: str) -> None:
    shape = load_service(service_name).model.operation_model(operation).input_shape
    member_shape = shape.members[member]
    limit = int(member_shape.metadata["max"])
    params = ValueGenerator(only_required=True).value(shape)
    valid = ValueGenerator().string(member_shape, 0)
    value = (valid * (limit // len(valid) + 2))[: limit + 1]
    params[member] = value
    echoed = service_name == "sts" and not member_shape.metadata.get("sensitive")
    shown = f"Value '{value}' at '{path_of(member)}'" if echoed else f"Value at '{path_of(member)}'"
    length = (
        f"{shown} failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )
    pattern = (
        f"{shown} failed to satisfy constraint: Member must satisfy regular expression pattern: "
        f"{member_shape.metadata.get('pattern')}"
    )
    assert validation_errors(service_name, operation, params) in (
        f"1 validation error detected: {length}",
        f"2 validation errors detected: {length}; {pattern}",
    )
