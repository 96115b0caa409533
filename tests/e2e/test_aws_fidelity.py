"""Answers that must match AWS's recorded responses (issue 16, section 3), through boto3 on
SQLite and PostgreSQL: result members AWS leaves out or always sends, and AWS's exact wording
for each bad input (code, HTTP status, message).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from policy_helpers import TRUST, error_of
from sts_helpers import trust

from saml_idp import SigningKey, metadata_document

from harness import ACCOUNT_ID, Server

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def refused(call: Callable[..., Any], **params: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


# --- result members ----------------------------------------------------------------------------
def test_role_members_per_operation(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("fid-role")
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    assert "MaxSessionDuration" not in created and "RoleLastUsed" not in created
    got = iam.get_role(RoleName=name)["Role"]
    assert got["MaxSessionDuration"] == 3600 and got["RoleLastUsed"] == {}
    listed = [r for r in iam.list_roles()["Roles"] if r["RoleName"] == name]
    assert listed[0]["MaxSessionDuration"] == 3600 and "RoleLastUsed" not in listed[0]


def test_managed_policy_answers_carry_an_empty_tag_list(
    iam: Any, unique: Callable[[str], str]
) -> None:
    created = iam.create_policy(PolicyName=unique("fid-pol"), PolicyDocument=POLICY)["Policy"]
    assert created["Tags"] == []
    assert iam.get_policy(PolicyArn=created["Arn"])["Policy"]["Tags"] == []
    listed = iam.list_policies(Scope="Local")["Policies"]
    assert all("Tags" not in policy for policy in listed)


def test_authorization_details_leave_out_an_empty_user_policy_list(
    iam: Any, unique: Callable[[str], str]
) -> None:
    plain, inline = unique("fid-plain"), unique("fid-inline")
    iam.create_user(UserName=plain)
    iam.create_user(UserName=inline)
    iam.put_user_policy(UserName=inline, PolicyName="p", PolicyDocument=POLICY)
    details = {
        user["UserName"]: user
        for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=["User"])
        for user in page["UserDetailList"]
    }
    assert "UserPolicyList" not in details[plain]
    assert details[plain]["GroupList"] == [] and details[plain]["AttachedManagedPolicies"] == []
    assert [p["PolicyName"] for p in details[inline]["UserPolicyList"]] == ["p"]


def test_saml_providers_always_show_valid_until(iam: Any, unique: Callable[[str], str]) -> None:
    key = SigningKey.generate()
    dated = metadata_document("https://idp.example.com/dated", [key], "2035-01-01T00:00:00Z")
    undated = metadata_document("https://idp.example.com/undated", [key], None)
    dated_arn = iam.create_saml_provider(Name=unique("fid-d"), SAMLMetadataDocument=dated)[
        "SAMLProviderArn"
    ]
    undated_arn = iam.create_saml_provider(Name=unique("fid-u"), SAMLMetadataDocument=undated)[
        "SAMLProviderArn"
    ]
    assert iam.get_saml_provider(SAMLProviderArn=dated_arn)["ValidUntil"] == datetime(
        2035, 1, 1, tzinfo=UTC
    )
    got = iam.get_saml_provider(SAMLProviderArn=undated_arn)
    # no validUntil in the metadata: 100 years after the provider was created
    assert got["ValidUntil"].year == got["CreateDate"].year + 100
    listed = {p["Arn"]: p for p in iam.list_saml_providers()["SAMLProviderList"]}
    assert listed[undated_arn]["ValidUntil"] == got["ValidUntil"]
    assert listed[dated_arn]["ValidUntil"] == datetime(2035, 1, 1, tzinfo=UTC)


# --- tags ----------------------------------------------------------------------------------------
def test_policy_tag_keys_compare_exactly_and_other_keys_without_case(
    iam: Any, unique: Callable[[str], str]
) -> None:
    arn = iam.create_policy(PolicyName=unique("fid-tags"), PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.tag_policy(
        PolicyArn=arn,
        Tags=[{"Key": "Costcenter", "Value": "1"}, {"Key": "costcenter", "Value": "2"}],
    )
    assert len(iam.list_policy_tags(PolicyArn=arn)["Tags"]) == 2
    same = [{"Key": "Dup", "Value": "1"}, {"Key": "Dup", "Value": "2"}]
    assert refused(iam.tag_policy, PolicyArn=arn, Tags=same) == (
        "InvalidInput",
        400,
        "Duplicate tag keys found.",
    )
    iam.untag_policy(PolicyArn=arn, TagKeys=["costcenter"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "Costcenter", "Value": "1"}]

    role = unique("fid-tag-role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    cased = [{"Key": "Env", "Value": "a"}, {"Key": "env", "Value": "b"}]
    assert refused(iam.tag_role, RoleName=role, Tags=cased) == (
        "InvalidInput",
        400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )


def test_a_51st_tag_is_refused_with_aws_wording(iam: Any, unique: Callable[[str], str]) -> None:
    user = unique("fid-tag-user")
    iam.create_user(UserName=user, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert refused(iam.tag_user, UserName=user, Tags=[{"Key": "one-more", "Value": "v"}]) == (
        "LimitExceeded",
        409,
        "The number of tags has reached the maximum limit.",
    )
    iam.tag_user(UserName=user, Tags=[{"Key": "K1", "Value": "replaced"}])  # replaces, fits
    assert len(iam.list_user_tags(UserName=user)["Tags"]) == 50


# --- messages ------------------------------------------------------------------------------------
def test_not_found_wording(iam: Any) -> None:
    missing_policy = f"arn:aws:iam::{ACCOUNT_ID}:policy/fid-no-such-policy"
    assert refused(iam.list_entities_for_policy, PolicyArn=missing_policy) == (
        "NoSuchEntity",
        404,
        f"Policy {missing_policy} does not exist or is not attachable.",
    )
    missing_provider = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/fid.example.com/none"
    assert refused(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=missing_provider) == (
        "NoSuchEntity",
        404,
        f"OpenId connect Provider {missing_provider} cannot be found.",
    )


def test_password_policy_absent_wording(start_server: Callable[..., Server]) -> None:
    iam = start_server().client("iam")
    assert refused(iam.get_account_password_policy) == (
        "NoSuchEntity",
        404,
        "The account policy with name PasswordPolicy cannot be found.",
    )


def test_oidc_thumbprint_list_of_six(iam: Any, unique: Callable[[str], str]) -> None:
    prints = [f"{i:040x}" for i in range(6)]
    url = f"https://fid.example.com/{unique('oidc')}"
    assert refused(iam.create_open_id_connect_provider, Url=url, ThumbprintList=prints) == (
        "InvalidInput",
        400,
        "Thumbprint list must contain fewer than 5 entries.",
    )
    arn = iam.create_open_id_connect_provider(Url=url, ThumbprintList=[THUMBPRINT])[
        "OpenIDConnectProviderArn"
    ]
    assert refused(
        iam.update_open_id_connect_provider_thumbprint,
        OpenIDConnectProviderArn=arn,
        ThumbprintList=prints,
    ) == ("InvalidInput", 400, "Thumbprint list must contain fewer than 5 entries.")


def test_virtual_mfa_device_twice(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("fid-mfa")
    iam.create_virtual_mfa_device(VirtualMFADeviceName=name)
    assert refused(iam.create_virtual_mfa_device, VirtualMFADeviceName=name) == (
        "EntityAlreadyExists",
        409,
        "MFA device already exists.",
    )


def test_a_trust_policy_that_is_not_json(iam: Any, unique: Callable[[str], str]) -> None:
    assert refused(
        iam.create_role, RoleName=unique("fid-json"), AssumeRolePolicyDocument='{"Version": '
    ) == ("MalformedPolicyDocument", 400, "This policy contains invalid Json")
    # an identity policy that is not JSON keeps IAM's other wording
    assert refused(iam.create_policy, PolicyName=unique("fid-json"), PolicyDocument="{") == (
        "MalformedPolicyDocument",
        400,
        "Syntax errors in policy.",
    )


def test_validation_wording_for_list_members_and_numbers(
    iam: Any, unique: Callable[[str], str]
) -> None:
    role = unique("fid-untag")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    assert refused(iam.untag_role, RoleName=role, TagKeys=["ok", ""]) == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, Member must satisfy regular "
        "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]",
    )
    assert refused(iam.update_account_password_policy, MinimumPasswordLength=200) == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'minimumPasswordLength' failed to satisfy "
        "constraint: Member must have value less than or equal to 128",
    )


# --- permissive mode (section 4) -----------------------------------------------------------------
def test_permissive_made_up_keys_assume_roles_that_trust_the_account(
    start_server: Callable[..., Server],
) -> None:
    srv = start_server(auth="permissive")
    iam = srv.client("iam", "AKIAMADEUPKEY0000009", "made-up")
    sts = srv.client("sts", "AKIAMADEUPKEY0000009", "made-up")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT_ID}))
    iam.create_role(
        RoleName="other", AssumeRolePolicyDocument=trust({"AWS": "arn:aws:iam::999999999999:root"})
    )
    role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/app"
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="suite")["Credentials"]
    session = srv.client(
        "sts",
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert session.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app/suite"
    )
    other = f"arn:aws:iam::{ACCOUNT_ID}:role/other"
    code, status, _ = refused(sts.assume_role, RoleArn=other, RoleSessionName="suite")
    assert (code, status) == ("AccessDenied", 403)


def test_a_virtual_mfa_device_name_too_long_for_its_serial_number(iam: Any) -> None:
    """The serial number (the device's ARN) is at most 256 characters wherever a device is named,
    so a name that would make it longer is refused: 226 under the default path, fewer under a
    longer one. The QR code of such a name would not fit either (found by the API fuzzer)."""
    longest = "m" * 226
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=longest)["VirtualMFADevice"]
    assert len(device["SerialNumber"]) == 256
    iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    for name, path, limit in (
        ("m" * 227, "/", 226),
        ("m" * 3000, "/", 226),
        ("m" * 224, "/ab/", 223),
    ):
        with pytest.raises(ClientError) as info:
            iam.create_virtual_mfa_device(VirtualMFADeviceName=name, Path=path)
        assert error_of(info) == (
            "ValidationError",
            400,
            "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {limit}",
        )


@pytest.mark.parametrize("path", ["test/", "/test", "/a b/"])
def test_a_path_that_does_not_begin_and_end_with_a_slash(
    iam: Any, unique: Callable[[str], str], path: str
) -> None:
    """IAM's own sentence for a path outside its pattern (CreateRole with Path "test/"); a path
    that is too long, or a path failing beside another member, keeps the listed form."""
    expected = (
        "ValidationError",
        400,
        "The specified value for path is invalid. It must begin and end with / and contain only "
        "alphanumeric characters and/or / characters.",
    )
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName=unique("r"), Path=path, AssumeRolePolicyDocument=TRUST)
    assert error_of(info) == expected
    with pytest.raises(ClientError) as info:
        iam.create_user(UserName=unique("u"), Path=path)
    assert error_of(info) == expected
    with pytest.raises(ClientError) as info:
        iam.create_user(UserName="bad name!", Path=path)
    assert error_of(info)[2].startswith("2 validation errors detected: ")
    with pytest.raises(ClientError) as info:
        iam.create_user(UserName=unique("u"), Path="/" + "a" * 511 + "/")
    assert error_of(info) == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'path' failed to satisfy constraint: Member must "
        "have length less than or equal to 512",
    )
