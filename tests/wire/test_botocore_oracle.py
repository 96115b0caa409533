"""botocore as the oracle, for every IAM and STS operation.

Requests: values generated from each input shape are serialized by botocore's own Query
serializer and urlencoded as botocore sends them; decode_form + parse_request must give the same
params back (and accept them: generated values respect every constraint). Responses: values
generated from each output shape are rendered by serialize_result and read back by botocore's
Query parser; errors likewise.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSRequest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.domain.errors import AccessDenied, AwsError, NoSuchEntity, ValidationError
from rolegate.wire import WireService, decode_form, load_service
from wire.shape_values import ValueGenerator

OPERATIONS = [
    (service, operation)
    for service in ("iam", "sts")
    for operation in load_service(service).model.operation_names
]
VARIANTS = [
    pytest.param({"variant": 0}, id="all-members"),
    pytest.param({"variant": 1}, id="all-members-shifted"),
    pytest.param({"variant": 2, "only_required": True}, id="required-only"),
]


def botocore_request_body(
    service: WireService, operation: str, params: dict[str, Any], *, validate: bool = True
) -> bytes:
    """The body botocore sends; ``validate=False`` lets invalid params through (as a raw client)."""
    serializer = create_serializer("query", include_validation=validate)
    request_dict = serializer.serialize_to_request(params, service.model.operation_model(operation))
    prepared = AWSRequest(
        method="POST",
        url="https://example.com/",
        data=request_dict["body"],
        headers=request_dict["headers"],
    ).prepare()
    body = prepared.body
    assert isinstance(body, bytes | str)
    return body.encode() if isinstance(body, str) else body


@pytest.mark.parametrize("generator_options", VARIANTS)
@pytest.mark.parametrize(("service_name", "operation"), OPERATIONS)
def test_request_round_trip(
    service_name: str, operation: str, generator_options: dict[str, Any]
) -> None:
    service = load_service(service_name)
    input_shape = service.model.operation_model(operation).input_shape
    params = {} if input_shape is None else ValueGenerator(**generator_options).value(input_shape)
    body = botocore_request_body(service, operation, params)
    form = decode_form(
        body,
        query_string="",
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        content_encoding=None,
    )
    parsed = service.parse_request(form)
    assert parsed.operation == operation
    assert parsed.params == params


@pytest.mark.parametrize("generator_options", VARIANTS)
@pytest.mark.parametrize(("service_name", "operation"), OPERATIONS)
def test_response_round_trip(
    service_name: str, operation: str, generator_options: dict[str, Any]
) -> None:
    service = load_service(service_name)
    output_shape = service.model.operation_model(operation).output_shape
    result = {} if output_shape is None else ValueGenerator(**generator_options).value(output_shape)
    body = service.serialize_result(operation, result, "req-1")
    parsed = create_parser("query").parse(
        {"body": body, "headers": {}, "status_code": 200}, output_shape
    )
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
    assert parsed == result


@pytest.mark.parametrize("service_name", ["iam", "sts"])
@pytest.mark.parametrize(
    "error",
    [
        NoSuchEntity("The role with name demo cannot be found."),
        ValidationError("1 validation error detected: Value at 'roleName' <&> failed"),
        AccessDenied("User: arn:aws:iam::123456789012:user/x is not authorized"),
        AwsError("internal"),
    ],
)
def test_error_round_trip(service_name: str, error: AwsError) -> None:
    service = load_service(service_name)
    body = service.serialize_error(error, "req-2")
    parsed = create_parser("query").parse(
        {"body": body, "headers": {}, "status_code": error.status}, None
    )
    assert parsed["Error"] == {
        "Type": error.fault_type,
        "Code": error.code,
        "Message": error.message,
    }
    assert parsed["ResponseMetadata"]["RequestId"] == "req-2"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(OPERATIONS), st.integers(min_value=0, max_value=10_000), st.booleans())
def test_round_trips_with_shifted_values(
    target: tuple[str, str], variant: int, only_required: bool
) -> None:
    service_name, operation = target
    generator_options = {"variant": variant, "only_required": only_required}
    test_request_round_trip(service_name, operation, generator_options)
    test_response_round_trip(service_name, operation, generator_options)
