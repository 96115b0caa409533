"""Responses compared with the example responses in AWS's documentation.

Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html
(AssumeRole example response),
adapted: the session token is shortened to one line and Expiration is shown to the second (the
example has .359 milliseconds; rolegate answers whole seconds, as IAM's own timestamps are).
AWS's element order within a structure is not the model's; clients read by name, so children
are compared as sorted lists. Whitespace from the example's pretty-printing is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from rolegate.domain.errors import AccessDenied
from rolegate.wire import load_service

ASSUME_ROLE_EXAMPLE = """
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult>
<SourceIdentity>DevUser123</SourceIdentity>
<Credentials>
  <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4==</SessionToken>
  <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
  <Expiration>2019-07-15T23:28:33Z</Expiration>
  <AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>
</Credentials>
<AssumedRoleUser>
  <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>
  <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>
</AssumedRoleUser>
<PackedPolicySize>8</PackedPolicySize>
</AssumeRoleResult>
<ResponseMetadata>
<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ResponseMetadata>
</AssumeRoleResponse>
"""


def canonical(element: ElementTree.Element) -> Any:
    text = (element.text or "").strip()
    return (element.tag, text, sorted(canonical(child) for child in element))


def test_assume_role_response_matches_the_documented_example() -> None:
    body = load_service("sts").serialize_result(
        "AssumeRole",
        {
            "Credentials": {
                "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                "SessionToken": "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4==",
                "Expiration": datetime(2019, 7, 15, 23, 28, 33, 359000, tzinfo=UTC),
            },
            "AssumedRoleUser": {
                "Arn": "arn:aws:sts::123456789012:assumed-role/demo/John",
                "AssumedRoleId": "ARO123EXAMPLE123:John",
            },
            "PackedPolicySize": 8,
            "SourceIdentity": "DevUser123",
        },
        "c6104cbe-af31-11e0-8154-cbc7ccf896c7",
    )
    assert canonical(ElementTree.fromstring(body)) == canonical(
        ElementTree.fromstring(ASSUME_ROLE_EXAMPLE.strip())
    )


def test_error_response_layout() -> None:
    body = load_service("iam").serialize_error(
        AccessDenied("User: arn:aws:iam::123456789012:user/x is not authorized"), "rid-1"
    )
    assert body == (
        b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        b"<Type>Sender</Type><Code>AccessDenied</Code>"
        b"<Message>User: arn:aws:iam::123456789012:user/x is not authorized</Message>"
        b"</Error><RequestId>rid-1</RequestId></ErrorResponse>"
    )


def test_operation_without_output_has_only_response_metadata() -> None:
    body = load_service("iam").serialize_result("DeleteRole", {}, "rid-2")
    assert body == (
        b'<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        b"<ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata></DeleteRoleResponse>"
    )


def test_strings_are_escaped_not_reencoded() -> None:
    body = (
        load_service("iam")
        .serialize_result(
            "GetRolePolicy",
            {
                "RoleName": "r",
                "PolicyName": "p<&>",
                "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D",
            },
            "rid-3",
        )
        .decode()
    )
    assert "<PolicyName>p&lt;&amp;&gt;</PolicyName>" in body
    assert "<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</PolicyDocument>" in body


def test_lists_booleans_and_empty_lists() -> None:
    body = (
        load_service("iam")
        .serialize_result("ListRoles", {"Roles": [], "IsTruncated": False}, "rid-4")
        .decode()
    )
    assert (
        "<ListRolesResult><Roles></Roles><IsTruncated>false</IsTruncated></ListRolesResult>" in body
    )
