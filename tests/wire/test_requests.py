"""parse_request: nesting, types, Action/Version handling and AWS's validation messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rolegate.domain.errors import (
    InvalidAction,
    InvalidParameterValue,
    MissingAction,
    ValidationError,
)
from rolegate.wire import load_service

IAM = {"Action": "CreateRole", "Version": "2010-05-08"}
STS = {"Action": "AssumeRole", "Version": "2011-06-15"}
ROLE_ARN = "arn:aws:iam::123456789012:role/demo"


def iam_form(**params: str) -> dict[str, str]:
    return {**IAM, "AssumeRolePolicyDocument": "{}", **params}


def sts_form(**params: str) -> dict[str, str]:
    return {**STS, "RoleArn": ROLE_ARN, "RoleSessionName": "s1", **params}


def validation_message(service: str, form: dict[str, str]) -> str:
    with pytest.raises(ValidationError) as caught:
        load_service(service).parse_request(form)
    assert caught.value.code == "ValidationError"
    assert caught.value.status == 400
    assert caught.value.fault_type == "Sender"
    return caught.value.message


def test_nested_params_use_botocore_member_names_and_types() -> None:
    parsed = load_service("iam").parse_request(
        iam_form(
            RoleName="demo",
            MaxSessionDuration="7200",
            **{"Tags.member.1.Key": "team", "Tags.member.1.Value": "a b", "Tags.member.2.Key": "x"},
            **{"Tags.member.2.Value": ""},
        )
    )
    assert parsed.operation == "CreateRole"
    assert parsed.params == {
        "RoleName": "demo",
        "AssumeRolePolicyDocument": "{}",
        "MaxSessionDuration": 7200,
        "Tags": [{"Key": "team", "Value": "a b"}, {"Key": "x", "Value": ""}],
    }


def test_sts_lists_of_structures_booleans_and_timestamps() -> None:
    parsed = load_service("sts").parse_request(
        sts_form(
            DurationSeconds="900",
            **{"PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        )
    )
    assert parsed.params["PolicyArns"] == [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    assert parsed.params["DurationSeconds"] == 900
    iam = load_service("iam")
    simulate = iam.parse_request(
        {
            "Action": "UpdateAccessKey",
            "Version": "2010-05-08",
            "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "Status": "Active",
        }
    )
    assert simulate.params == {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active"}
    boolean = iam.parse_request(
        {"Action": "UpdateAccountPasswordPolicy", "Version": "2010-05-08", "RequireSymbols": "true"}
    )
    assert boolean.params == {"RequireSymbols": True}


def test_empty_list_is_sent_as_bare_key() -> None:
    parsed = load_service("iam").parse_request(iam_form(RoleName="r", Tags=""))
    assert parsed.params["Tags"] == []


def test_unknown_parameters_are_ignored() -> None:
    parsed = load_service("iam").parse_request(iam_form(RoleName="r", Bogus="1", **{"A.b": "c"}))
    assert parsed.params == {"RoleName": "r", "AssumeRolePolicyDocument": "{}"}


def test_missing_action() -> None:
    with pytest.raises(MissingAction) as caught:
        load_service("iam").parse_request({"Version": "2010-05-08"})
    assert caught.value.message == "Missing Action"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"Action": "Nope", "Version": "2010-05-08"},
            "Could not find operation Nope for version 2010-05-08",
        ),
        (
            {"Action": "GetRole", "Version": "2011-06-15"},
            "Could not find operation GetRole for version 2011-06-15",
        ),
        (
            {"Action": "GetRole"},
            "Could not find operation GetRole for version NO_VERSION_SPECIFIED",
        ),
    ],
)
def test_invalid_action_and_version(form: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidAction) as caught:
        load_service("iam").parse_request(form)
    assert caught.value.message == message
    assert caught.value.status == 400


def test_iam_pattern_message_leaves_value_out() -> None:
    assert validation_message("iam", iam_form(RoleName="bad:name")) == (
        "1 validation error detected: Value at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_sts_pattern_message_quotes_value() -> None:
    assert validation_message("sts", sts_form(RoleSessionName="Session1:2")) == (
        "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    )


def test_required_members_say_value_null_in_both_services() -> None:
    assert validation_message("iam", {**IAM, "AssumeRolePolicyDocument": "{}"}) == (
        "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert validation_message("sts", {**STS, "RoleSessionName": "s1"}) == (
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_length_and_range_messages() -> None:
    assert validation_message("iam", iam_form(RoleName="r" * 65)) == (
        "1 validation error detected: Value at 'roleName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )
    assert validation_message("iam", iam_form(RoleName="r", MaxSessionDuration="43201")) == (
        "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy "
        "constraint: Member must have value less than or equal to 43200"
    )
    assert validation_message("sts", sts_form(DurationSeconds="899")) == (
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900"
    )


def test_empty_string_fails_length_then_pattern() -> None:
    assert validation_message("iam", iam_form(RoleName="")) == (
        "2 validation errors detected: "
        "Value at 'roleName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_several_errors_are_counted_and_joined_in_member_order() -> None:
    message = validation_message(
        "iam",
        {
            **IAM,
            "RoleName": "a/b",
            "MaxSessionDuration": "10",
            "Tags.member.1.Key": "k" * 129,
            "Tags.member.1.Value": "v",
        },
    )
    assert message == (
        "4 validation errors detected: "
        "Value at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+; "
        "Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: "
        "Member must not be null; "
        "Value at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value greater than or equal to 3600; "
        "Value at 'tags.1.member.key' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_list_items_are_read_from_index_one_until_a_gap() -> None:
    form = iam_form(RoleName="r", **{"Tags.member.2.Key": "k", "Tags.member.2.Value": "v"})
    assert load_service("iam").parse_request(form).params["Tags"] == []


def test_list_item_missing_required_member() -> None:
    assert validation_message("iam", iam_form(RoleName="r", **{"Tags.member.1.Key": "k"})) == (
        "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_list_length_bound() -> None:
    tags = {}
    for index in range(1, 52):
        tags[f"Tags.member.{index}.Key"] = f"k{index}"
        tags[f"Tags.member.{index}.Value"] = "v"
    assert validation_message("iam", iam_form(RoleName="r", **tags)) == (
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50"
    )


def test_enum_message() -> None:
    form = {"Action": "ListPolicies", "Version": "2010-05-08", "Scope": "Mine"}
    assert validation_message("iam", form) == (
        "1 validation error detected: Value at 'scope' failed to satisfy constraint: "
        "Member must satisfy enum value set: [All, AWS, Local]"
    )


def test_sts_sensitive_values_are_not_echoed() -> None:
    form = {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": "2011-06-15",
        "RoleArn": ROLE_ARN,
        "RoleSessionName": "s1",
        "WebIdentityToken": "abc",
    }
    assert validation_message("sts", form) == (
        "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: "
        "Member must have length greater than or equal to 4"
    )


@pytest.mark.parametrize(
    ("key", "raw", "reason"),
    [
        ("MaxSessionDuration", "abc", "Expected an integer."),
        ("MaxSessionDuration", "1.5", "Expected an integer."),
        ("MaxSessionDuration", "99999999999", "The value is out of range."),
    ],
)
def test_malformed_scalars_are_invalid_parameter_value(key: str, raw: str, reason: str) -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        load_service("iam").parse_request(iam_form(RoleName="r", **{key: raw}))
    assert caught.value.message == f"Value ({raw}) for parameter {key} is invalid. {reason}"
    assert caught.value.status == 400


def test_malformed_boolean() -> None:
    form = {
        "Action": "UpdateAccountPasswordPolicy",
        "Version": "2010-05-08",
        "RequireSymbols": "yes",
    }
    with pytest.raises(InvalidParameterValue) as caught:
        load_service("iam").parse_request(form)
    assert caught.value.message == (
        "Value (yes) for parameter RequireSymbols is invalid. Expected true or false."
    )


def test_timestamp_parsing_is_utc_aware() -> None:
    from rolegate.wire.request import parse_timestamp

    assert parse_timestamp("2024-01-02T03:04:05Z", "k") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_timestamp("2024-01-02T05:04:05+02:00", "k") == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    assert parse_timestamp("1422172800", "k") == datetime(2015, 1, 25, 8, tzinfo=UTC)
    with pytest.raises(InvalidParameterValue):
        parse_timestamp("yesterday", "k")
