"""IAM users, their tags and inline policies end to end with boto3, on SQLite and PostgreSQL.

Each bad input names the answer AWS gives: code, HTTP status and message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from harness import ACCOUNT_ID

ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_create_user_returns_the_aws_shape_and_get_user_shows_tags(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("alice")
    before = datetime.now(UTC) - timedelta(seconds=2)
    user = iam.create_user(
        UserName=name,
        Path="/eng/team/",
        Tags=[{"Key": "Team", "Value": "core"}, {"Key": "env", "Value": ""}],
    )["User"]
    assert user["UserName"] == name and user["Path"] == "/eng/team/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/eng/team/{name}"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert before <= user["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    assert user["Tags"] == [{"Key": "Team", "Value": "core"}, {"Key": "env", "Value": ""}]
    got = iam.get_user(UserName=name.upper())["User"]  # names compare without regard to case
    assert got == user
    assert iam.list_user_tags(UserName=name)["Tags"] == user["Tags"]


def test_create_user_twice_in_any_case_is_entity_already_exists(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("bob")
    iam.create_user(UserName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName=name.upper())
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        409,
        f"User with name {name.upper()} already exists.",
    )


def test_unknown_user_is_no_such_entity(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("ghost")
    call: Callable[[], Any]
    for call in (
        lambda: iam.get_user(UserName=name),
        lambda: iam.delete_user(UserName=name),
        lambda: iam.list_user_tags(UserName=name),
        lambda: iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=ALLOW_ALL),
        lambda: iam.create_access_key(UserName=name),
        lambda: iam.list_access_keys(UserName=name),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            404,
            f"The user with name {name} cannot be found.",
        )


def test_get_user_without_a_name_is_the_root_user_for_root_credentials(iam: Any) -> None:
    user = iam.get_user()["User"]
    assert user["UserId"] == ACCOUNT_ID
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert "UserName" not in user and "Path" not in user


def test_list_users_filters_by_path_orders_by_name_and_pages(
    iam: Any, unique: Callable[[str], str]
) -> None:
    prefix = f"/{unique('list')}/"
    names = [unique(n) for n in ("c", "a", "B")]
    for name in names:
        iam.create_user(UserName=name, Path=prefix, Tags=[{"Key": "k", "Value": "v"}])
    listed = iam.list_users(PathPrefix=prefix)
    assert [u["UserName"] for u in listed["Users"]] == sorted(names, key=str.lower)
    assert all("Tags" not in u for u in listed["Users"])
    assert listed["IsTruncated"] is False
    first = iam.list_users(PathPrefix=prefix, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["Users"]) == 2
    rest = iam.list_users(PathPrefix=prefix, MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in first["Users"] + rest["Users"]] == sorted(names, key=str.lower)
    assert rest["IsTruncated"] is False


def test_update_user_renames_and_moves_keeping_id_keys_and_policies(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name, new_name = unique("old"), unique("new")
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=ALLOW_ALL)
    iam.update_user(UserName=name, NewUserName=new_name, NewPath="/moved/")
    with pytest.raises(ClientError):
        iam.get_user(UserName=name)
    moved = iam.get_user(UserName=new_name)["User"]
    assert moved["UserId"] == user["UserId"] and moved["Path"] == "/moved/"
    assert moved["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/moved/{new_name}"
    keys = iam.list_access_keys(UserName=new_name)["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["UserName"]) for k in keys] == [(key["AccessKeyId"], new_name)]
    assert iam.list_user_policies(UserName=new_name)["PolicyNames"] == ["p"]


def test_update_user_to_a_taken_name_is_entity_already_exists(
    iam: Any, unique: Callable[[str], str]
) -> None:
    first, second = unique("one"), unique("two")
    iam.create_user(UserName=first)
    iam.create_user(UserName=second)
    with pytest.raises(ClientError) as excinfo:
        iam.update_user(UserName=first, NewUserName=second)
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        409,
        f"User with name {second} already exists.",
    )
    assert iam.get_user(UserName=first)["User"]["UserName"] == first


def test_delete_user_refuses_while_keys_or_policies_remain(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("busy")
    iam.create_user(UserName=name)
    key_id = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=ALLOW_ALL)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName=name)
    assert error_of(excinfo) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete access keys first.",
    )
    iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName=name)
    assert error_of(excinfo) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete policies first.",
    )
    iam.delete_user_policy(UserName=name, PolicyName="p")
    iam.delete_user(UserName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName=name)
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_tag_untag_and_the_fifty_tag_quota(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("tagged")
    iam.create_user(UserName=name, Tags=[{"Key": "a", "Value": "1"}])
    iam.tag_user(UserName=name, Tags=[{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}])
    assert iam.list_user_tags(UserName=name)["Tags"] == [
        {"Key": "A", "Value": "2"},
        {"Key": "b", "Value": "3"},
    ]
    iam.untag_user(UserName=name, TagKeys=["a", "missing"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "b", "Value": "3"}]
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(UserName=name, Tags=many)
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        "The number of tags has reached the maximum limit.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(UserName=name, Tags=[{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}])
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    page = iam.list_user_tags(UserName=name, MaxItems=1)
    assert page["IsTruncated"] is False and page["Tags"] == [{"Key": "b", "Value": "3"}]


def test_permissions_boundary_is_shown_by_get_user_only(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("bounded")
    boundary = iam.create_policy(PolicyName=unique("Boundary"), PolicyDocument=ALLOW_ALL)["Policy"][
        "Arn"
    ]
    iam.create_user(UserName=name, PermissionsBoundary=boundary)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary,
    }
    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        boundary
    )


def test_user_inline_policies_round_trip(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("pol")
    iam.create_user(UserName=name)
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName=name, PolicyName="Read", PolicyDocument=json.dumps(doc))
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
    got = iam.get_user_policy(UserName=name, PolicyName="read")
    assert (got["UserName"], got["PolicyName"], got["PolicyDocument"]) == (name, "Read", doc)
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["all", "Read"]
    iam.delete_user_policy(UserName=name, PolicyName="ALL")
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["Read"]
    with pytest.raises(ClientError) as excinfo:
        iam.get_user_policy(UserName=name, PolicyName="all")
    assert error_of(excinfo) == (
        "NoSuchEntity",
        404,
        "The user policy with name all cannot be found.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user_policy(UserName=name, PolicyName="all")
    assert error_of(excinfo)[:2] == ("NoSuchEntity", 404)


def test_user_inline_policies_share_2048_characters(iam: Any, unique: Callable[[str], str]) -> None:
    """reference_iam-quotas.md: a user's inline policies total at most 2,048 characters,
    whitespace not counted."""
    name = unique("quota")
    iam.create_user(UserName=name)

    def policy_of_size(size: int) -> str:
        base = (
            '{"Version":"2012-10-17","Statement":'
            '[{"Effect":"Allow","Action":"*","Resource":"*","Sid":""}]}'
        )
        padded = base.replace('"Sid":""', '"Sid":"' + "S" * (size - len(base)) + '"')
        assert len(padded) == size
        return padded

    iam.put_user_policy(UserName=name, PolicyName="one", PolicyDocument=policy_of_size(1024))
    iam.put_user_policy(UserName=name, PolicyName="two", PolicyDocument=policy_of_size(1024))
    with pytest.raises(ClientError) as excinfo:
        iam.put_user_policy(UserName=name, PolicyName="three", PolicyDocument=policy_of_size(100))
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        f"Maximum policy size of 2048 bytes exceeded for user {name}",
    )
    # replacing one of them is judged without its old version
    iam.put_user_policy(UserName=name, PolicyName="TWO", PolicyDocument=policy_of_size(1024))
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["one", "two"]


def test_malformed_user_policy_is_refused(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("bad")
    iam.create_user(UserName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument="{not json")
    assert error_of(excinfo)[:2] == ("MalformedPolicyDocument", 400)
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == []


def test_invalid_user_names_are_validation_errors(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="bad/name")
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert "userName" in message


def test_bad_tags_on_create_user_create_nothing(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("badtags")
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(
            UserName=name, Tags=[{"Key": "Env", "Value": "a"}, {"Key": "env", "Value": "b"}]
        )
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName=name, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(51)])
    assert error_of(excinfo)[:2] == ("ValidationError", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName=name)
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_unknown_boundary_on_create_user_creates_nothing(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("nobound")
    missing = f"arn:aws:iam::{ACCOUNT_ID}:policy/{unique('NoSuchPolicy')}"
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName=name, PermissionsBoundary=missing)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        404,
        f"Scope ARN: {missing} does not exist or is not attachable.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName=name)
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_an_enabled_mfa_device_blocks_delete_user_and_follows_a_rename(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name, new_name = unique("mfa-user"), unique("mfa-renamed")
    iam.create_user(UserName=name)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("dev"))["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode("ascii"))
    now = time.time()
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName=name)
    assert error_of(excinfo) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete MFA device first.",
    )
    iam.update_user(UserName=name, NewUserName=new_name)
    devices = iam.list_mfa_devices(UserName=new_name)["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devices] == [
        (new_name, device["SerialNumber"])
    ]
    iam.deactivate_mfa_device(UserName=new_name, SerialNumber=device["SerialNumber"])
    iam.delete_user(UserName=new_name)
    iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])


def test_update_user_may_change_only_the_case_of_the_name(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("casey")
    user = iam.create_user(UserName=name)["User"]
    iam.update_user(UserName=name, NewUserName=name.upper())
    got = iam.get_user(UserName=name)["User"]
    assert (got["UserName"], got["UserId"]) == (name.upper(), user["UserId"])
    assert got["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{name.upper()}"
    iam.update_user(UserName=name.upper())  # nothing to change: no error
