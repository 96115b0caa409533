"""Validation details beyond the IAM/STS happy paths: nesting, maps, value rendering."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.model import ServiceModel

from rolegate.domain.errors import ValidationError
from rolegate.wire import WireService, load_service
from rolegate.wire.validation import render_java_value, validation_message

SHAPES: dict[str, Any] = {
    "Input": {
        "type": "structure",
        "required": ["Name"],
        "members": {
            "Name": {"shape": "Name"},
            "Matrix": {"shape": "Matrix"},
            "Attributes": {"shape": "Attributes"},
            "Items": {"shape": "Items"},
            "Count": {"shape": "Count"},
            "Secret": {"shape": "Secret"},
        },
    },
    "Name": {"type": "string", "min": 2, "max": 5, "pattern": "[a-z]+"},
    "Secret": {"type": "string", "min": 4, "sensitive": True},
    "Count": {"type": "integer", "min": 1, "max": 9},
    "Matrix": {"type": "list", "member": {"shape": "Row"}, "max": 3},
    "Row": {"type": "list", "member": {"shape": "Name"}, "min": 1},
    "Attributes": {"type": "map", "key": {"shape": "Key"}, "value": {"shape": "Name"}, "max": 2},
    "Key": {"type": "string", "max": 3, "enum": ["a", "bb", "ccc"]},
    "Items": {"type": "list", "member": {"shape": "Item"}},
    "Item": {
        "type": "structure",
        "required": ["Id"],
        "members": {"Id": {"shape": "Name"}, "Tags": {"shape": "Matrix"}},
    },
}


def service(*, echo_strings: bool) -> WireService:
    model = {
        "metadata": {
            "apiVersion": "2020-01-01",
            "protocol": "query",
            "endpointPrefix": "example",
            "xmlNamespace": "https://example.com/doc/2020-01-01/",
        },
        "shapes": SHAPES,
        "operations": {"Op": {"name": "Op", "input": {"shape": "Input"}}},
    }
    return WireService(
        ServiceModel(model, service_name="example"), echo_strings_in_errors=echo_strings
    )


def errors_of(form: dict[str, str], *, echo_strings: bool = True) -> str:
    with pytest.raises(ValidationError) as caught:
        service(echo_strings=echo_strings).parse_request(
            {"Action": "Op", "Version": "2020-01-01", **form}
        )
    return caught.value.message


def test_nested_list_paths() -> None:
    message = errors_of(
        {"Name": "ok", "Matrix.member.1.member.1": "ok", "Matrix.member.1.member.2": "BAD"}
    )
    assert message == (
        "1 validation error detected: Value '[ok, BAD]' at 'matrix.1.member' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or equal "
        "to 5, Member must have length greater than or equal to 2, Member must satisfy regular "
        "expression pattern: [a-z]+, Member must not be null]"
    )


def test_structures_inside_lists_inside_structures() -> None:
    message = errors_of(
        {
            "Name": "ok",
            "Items.member.1.Id": "ok",
            "Items.member.2.Tags.member.1": "",
        }
    )
    assert message == (
        "2 validation errors detected: "
        "Value null at 'items.2.member.id' failed to satisfy constraint: Member must not be null; "
        "Value '[]' at 'items.2.member.tags.1.member' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_map_constraints_are_reported_at_the_map() -> None:
    message = errors_of(
        {
            "Name": "ok",
            "Attributes.entry.1.key": "dddd",
            "Attributes.entry.1.value": "ok",
            "Attributes.entry.2.key": "a",
            "Attributes.entry.2.value": "X",
            "Attributes.entry.3.key": "bb",
            "Attributes.entry.3.value": "ok",
        },
        echo_strings=False,
    )
    assert message == (
        "3 validation errors detected: "
        "Value at 'attributes' failed to satisfy constraint: "
        "Member must have length less than or equal to 2; "
        "Value at 'attributes' failed to satisfy constraint: Map keys must satisfy constraint: "
        "[Member must have length less than or equal to 3, "
        "Member must satisfy enum value set: [a, bb, ccc]]; "
        "Value at 'attributes' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length greater than or equal to 2, "
        "Member must satisfy regular expression pattern: [a-z]+]"
    )


def test_map_is_parsed_into_a_dict() -> None:
    parsed = service(echo_strings=True).parse_request(
        {
            "Action": "Op",
            "Version": "2020-01-01",
            "Name": "ok",
            "Attributes.entry.1.key": "a",
            "Attributes.entry.1.value": "xy",
            "Attributes.entry.2.key": "bb",
            "Attributes.entry.2.value": "zz",
        }
    )
    assert parsed.params == {"Name": "ok", "Attributes": {"a": "xy", "bb": "zz"}}


def test_sensitive_values_are_never_echoed() -> None:
    assert errors_of({"Name": "ok", "Secret": "abc"}) == (
        "1 validation error detected: Value at 'secret' failed to satisfy constraint: "
        "Member must have length greater than or equal to 4"
    )


def test_iam_style_quotes_no_value() -> None:
    message = errors_of({"Name": "X", "Count": "10"}, echo_strings=False)
    assert message == (
        "3 validation errors detected: "
        "Value at 'name' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2; "
        "Value at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-z]+; "
        "Value at 'count' failed to satisfy constraint: "
        "Member must have value less than or equal to 9"
    )


def test_iam_quotes_no_number() -> None:
    with pytest.raises(ValidationError) as caught:
        load_service("iam").parse_request(
            {"Action": "ListPolicies", "Version": "2010-05-08", "MaxItems": "100000"}
        )
    assert caught.value.message == (
        "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000"
    )


def test_message_counting() -> None:
    assert validation_message(["A"]) == "1 validation error detected: A"
    assert validation_message(["A", "B", "C"]) == "3 validation errors detected: A; B; C"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x", "x"),
        (5, "5"),
        (True, "true"),
        (["a", "b"], "[a, b]"),
        ({"Key": "k", "Value": "v"}, "{Key=k, Value=v}"),
        (b"abc", "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"),
    ],
)
def test_java_rendering_of_values(value: Any, shown: str) -> None:
    assert render_java_value(value) == shown


def test_list_size_is_reported_before_its_items() -> None:
    form = {"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "r"}
    form["AssumeRolePolicyDocument"] = "{}"
    for index in range(1, 52):
        form[f"Tags.member.{index}.Key"] = "bad#key" if index == 51 else f"k{index}"
        form[f"Tags.member.{index}.Value"] = "v"
    with pytest.raises(ValidationError) as caught:
        load_service("iam").parse_request(form)
    assert caught.value.message == (
        "2 validation errors detected: "
        "Value at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50; "
        "Value at 'tags.51.member.key' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
    )


def test_failures_inside_structured_map_values_are_the_maps() -> None:
    shapes = dict(SHAPES)
    shapes["Attributes"] = {"type": "map", "key": {"shape": "Key"}, "value": {"shape": "Item"}}
    model = {
        "metadata": {"apiVersion": "2020-01-01", "protocol": "query", "endpointPrefix": "x"},
        "shapes": shapes,
        "operations": {"Op": {"name": "Op", "input": {"shape": "Input"}}},
    }
    wire = WireService(ServiceModel(model, service_name="x"), echo_strings_in_errors=True)
    with pytest.raises(ValidationError) as caught:
        wire.parse_request(
            {
                "Action": "Op",
                "Version": "2020-01-01",
                "Name": "ok",
                "Attributes.entry.1.key": "a",
                "Attributes.entry.1.value.Tags.member.1.member.1": "a: b",
            }
        )
    assert caught.value.message == (
        "1 validation error detected: Value '{a={Tags=[[a: b]]}}' at 'attributes' failed to "
        "satisfy constraint: Map value must satisfy constraint: [Member must not be null, "
        "Member must satisfy constraint: [Member must have length less than or equal to 5, "
        "Member must have length greater than or equal to 2, Member must satisfy regular "
        "expression pattern: [a-z]+, Member must not be null]]"
    )


def test_a_failing_member_of_a_list_of_strings_names_every_member_constraint() -> None:
    # UntagRole's TagKeys: the list's path, every constraint of tagKeyType, largest bound first.
    with pytest.raises(ValidationError) as caught:
        load_service("iam").parse_request(
            {
                "Action": "UntagRole",
                "Version": "2010-05-08",
                "RoleName": "r",
                "TagKeys.member.1": "ok",
                "TagKeys.member.2": "k" * 129,
            }
        )
    assert caught.value.message == (
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, Member must satisfy regular "
        "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]"
    )


def test_sts_quotes_the_whole_list_of_strings() -> None:
    with pytest.raises(ValidationError) as caught:
        load_service("sts").parse_request(
            {
                "Action": "AssumeRole",
                "Version": "2011-06-15",
                "RoleArn": "arn:aws:iam::111122223333:role/r",
                "RoleSessionName": "s",
                "TransitiveTagKeys.member.1": "",
            }
        )
    assert "Value '[]' at 'transitiveTagKeys' failed to satisfy constraint: Member must " in (
        caught.value.message
    )
