"""IAM users as principals, end to end: their inline policies decide what their access keys may
do, with policy variables, principal tags and resource tags (reference_policies_evaluation-logic.md,
reference_policies_variables.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness import ACCOUNT_ID, Node

SELF_SERVICE_KEYS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnKeys",
            "Effect": "Allow",
            "Action": [
                "iam:GetUser",
                "iam:CreateAccessKey",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey",
                "iam:DeleteAccessKey",
                "iam:GetAccessKeyLastUsed",
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        }
    ],
}


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _user(node: Node, iam: Any, name: str, *policies: dict[str, Any], **create: Any) -> Any:
    """Create the user with ``policies`` inline and return an IAM client signing as it."""
    iam.create_user(UserName=name, **create)
    for i, policy in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return node.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def _denied(name: str, action: str, resource: str, reason: str) -> tuple[str, int, str]:
    return (
        "AccessDenied",
        403,
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/{name} is not authorized to perform: "
        f"{action} on resource: {resource} {reason}",
    )


def test_self_service_policy_lets_a_user_rotate_its_own_keys_only(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name, other = unique("self"), unique("other")
    iam.create_user(UserName=other)
    client = _user(node, iam, name, SELF_SERVICE_KEYS)
    me = client.get_user()["User"]  # no UserName: the caller itself
    assert (me["UserName"], me["Arn"]) == (name, f"arn:aws:iam::{ACCOUNT_ID}:user/{name}")
    created = client.create_access_key()["AccessKey"]  # no UserName: its own key
    assert created["UserName"] == name
    listed = client.list_access_keys()["AccessKeyMetadata"]
    assert created["AccessKeyId"] in [k["AccessKeyId"] for k in listed] and len(listed) == 2
    client.update_access_key(AccessKeyId=created["AccessKeyId"], Status="Inactive")
    assert client.get_access_key_last_used(AccessKeyId=created["AccessKeyId"])["UserName"] == name
    client.delete_access_key(AccessKeyId=created["AccessKeyId"])
    other_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{other}"
    with pytest.raises(ClientError) as excinfo:
        client.create_access_key(UserName=other)
    assert error_of(excinfo) == _denied(
        name,
        "iam:CreateAccessKey",
        other_arn,
        "because no identity-based policy allows the iam:CreateAccessKey action",
    )
    with pytest.raises(ClientError) as excinfo:
        client.list_users()
    assert error_of(excinfo) == _denied(
        name,
        "iam:ListUsers",
        f"arn:aws:iam::{ACCOUNT_ID}:user/",
        "because no identity-based policy allows the iam:ListUsers action",
    )
    assert iam.list_access_keys(UserName=other)["AccessKeyMetadata"] == []


def test_a_missing_user_is_access_denied_before_no_such_entity(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    """A caller that may not act on a user learns nothing about whether it exists."""
    name, ghost = unique("asker"), unique("ghost")
    client = _user(node, iam, name, SELF_SERVICE_KEYS)
    with pytest.raises(ClientError) as excinfo:
        client.get_user(UserName=ghost)
    assert error_of(excinfo) == _denied(
        name,
        "iam:GetUser",
        f"arn:aws:iam::{ACCOUNT_ID}:user/{ghost}",
        "because no identity-based policy allows the iam:GetUser action",
    )


def test_explicit_deny_in_a_user_policy_wins(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("denied")
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    deny_delete = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:DeleteUser*", "Resource": "*"}],
    }
    client = _user(node, iam, name, allow_all, deny_delete)
    victim = unique("victim")
    client.create_user(UserName=victim)
    with pytest.raises(ClientError) as excinfo:
        client.delete_user(UserName=victim)
    assert error_of(excinfo) == _denied(
        name,
        "iam:DeleteUser",
        f"arn:aws:iam::{ACCOUNT_ID}:user/{victim}",
        "with an explicit deny in an identity-based policy",
    )
    assert iam.get_user(UserName=victim)["User"]["UserName"] == victim


def test_user_tags_are_principal_tags_and_resource_tags(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    """aws:PrincipalTag/team comes from the caller's tags; iam:ResourceTag/team from the user
    acted on."""
    name = unique("tagged")
    same_team = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            }
        ],
    }
    client = _user(node, iam, name, same_team, Tags=[{"Key": "team", "Value": "core"}])
    mate, stranger = unique("mate"), unique("stranger")
    iam.create_user(UserName=mate, Tags=[{"Key": "team", "Value": "core"}])
    iam.create_user(UserName=stranger, Tags=[{"Key": "team", "Value": "web"}])
    assert client.get_user(UserName=mate)["User"]["UserName"] == mate
    with pytest.raises(ClientError) as excinfo:
        client.get_user(UserName=stranger)
    assert error_of(excinfo)[:2] == ("AccessDenied", 403)


def test_request_tags_condition_on_create_user(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("creator")
    tagged_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:CreateUser", "iam:TagUser"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestTag/cost": "lab"}},
            }
        ],
    }
    client = _user(node, iam, name, tagged_only)
    ok = unique("ok")
    client.create_user(UserName=ok, Tags=[{"Key": "cost", "Value": "lab"}])
    refused = unique("refused")
    with pytest.raises(ClientError) as excinfo:
        client.create_user(UserName=refused, Tags=[{"Key": "cost", "Value": "prod"}])
    assert error_of(excinfo) == _denied(
        name,
        "iam:CreateUser",
        f"arn:aws:iam::{ACCOUNT_ID}:user/{refused}",
        "because no identity-based policy allows the iam:CreateUser action",
    )
    with pytest.raises(ClientError):
        iam.get_user(UserName=refused)  # nothing was created


def test_policy_changes_apply_to_the_next_request(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("changing")
    client = _user(node, iam, name)
    with pytest.raises(ClientError):
        client.get_user()
    iam.put_user_policy(
        UserName=name, PolicyName="self", PolicyDocument=json.dumps(SELF_SERVICE_KEYS)
    )
    assert client.get_user()["User"]["UserName"] == name
    iam.delete_user_policy(UserName=name, PolicyName="self")
    with pytest.raises(ClientError) as excinfo:
        client.get_user()
    assert error_of(excinfo)[:2] == ("AccessDenied", 403)


def test_renamed_user_keeps_signing_with_its_keys_under_the_new_arn(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name, new_name = unique("before"), unique("after")
    client = _user(node, iam, name, SELF_SERVICE_KEYS)
    iam.update_user(UserName=name, NewUserName=new_name)
    # ${aws:username} now resolves to the new name, so the self-service policy still applies
    assert client.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{new_name}"


def test_a_users_permissions_boundary_caps_its_policies(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("capped")
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    boundary = iam.create_policy(
        PolicyName=unique("ReadUsers"),
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers"], "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["Arn"]
    client = _user(node, iam, name, allow_all, PermissionsBoundary=boundary)
    assert client.get_user()["User"]["UserName"] == name
    client.list_users(MaxItems=1)
    with pytest.raises(ClientError) as excinfo:
        client.create_user(UserName=unique("nope"))
    code, status, message = error_of(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("because no permissions boundary allows the iam:CreateUser action")
    iam.delete_user_permissions_boundary(UserName=name)
    client.create_user(UserName=unique("now-allowed"))
