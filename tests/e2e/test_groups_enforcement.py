"""Group policies join their members' evaluation, end to end on SQLite and PostgreSQL
(id_groups.md; reference_policies_evaluation-logic.md): a user with no policy of its own gets an
action only through a group, and loses it when it leaves the group or the policy is detached.
Group operations are authorized on the group's ARN (with its path)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from policy_helpers import ACCOUNT, fails

from harness import Node


def allow(*actions: str, resource: str = "*", effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Action": list(actions), "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def signing_user(node: Any, iam: Any, name: str, **create: Any) -> Any:
    """A new user with no policy of its own, and an IAM client signing as it."""
    iam.create_user(UserName=name, **create)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return node.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def denied(user: str, action: str, resource: str, why: str) -> tuple[str, int, str]:
    return (
        "AccessDenied",
        403,
        f"User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: {action} on "
        f"resource: {resource} {why}",
    )


def no_allow(user: str, action: str, resource: str) -> tuple[str, int, str]:
    why = f"because no identity-based policy allows the {action} action"
    return denied(user, action, resource, why)


def test_an_inline_group_policy_allows_only_while_the_user_is_a_member(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    user, group = unique("member"), unique("readers")
    client = signing_user(node, iam, user)
    listing = f"arn:aws:iam::{ACCOUNT}:role/"
    refused = no_allow(user, "iam:ListRoles", listing)
    assert fails(client.list_roles) == refused

    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="list", PolicyDocument=allow("iam:ListRoles"))
    assert fails(client.list_roles)[0] == "AccessDenied"  # not a member yet
    iam.add_user_to_group(GroupName=group, UserName=user)
    assert "Roles" in client.list_roles(MaxItems=1)

    iam.update_group(GroupName=group, NewGroupName=f"{group}-renamed", NewPath="/moved/")
    assert "Roles" in client.list_roles(MaxItems=1)  # the policy stays with the group

    iam.remove_user_from_group(GroupName=f"{group}-renamed", UserName=user)
    assert fails(client.list_roles) == refused


def test_an_attached_managed_policy_allows_until_it_is_detached(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    user, group = unique("managed"), unique("operators")
    client = signing_user(node, iam, user)
    arn = iam.create_policy(PolicyName=unique("list-users"), PolicyDocument=allow("iam:ListUsers"))[
        "Policy"
    ]["Arn"]
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    resource = f"arn:aws:iam::{ACCOUNT}:user/"
    assert fails(client.list_users) == no_allow(user, "iam:ListUsers", resource)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    assert "Users" in client.list_users(MaxItems=1)

    # A new default version changes what the group gives at once.
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=allow("iam:ListGroups"), SetAsDefault=True
    )
    assert "Groups" in client.list_groups(MaxItems=1)
    assert fails(client.list_users)[0] == "AccessDenied"
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")

    iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    assert fails(client.list_users)[0] == "AccessDenied"


def test_a_deny_in_any_group_beats_the_users_own_allow(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    user, allowing, denying = unique("conflicted"), unique("allowing"), unique("denying")
    client = signing_user(node, iam, user)
    iam.put_user_policy(UserName=user, PolicyName="own", PolicyDocument=allow("iam:ListRoles"))
    assert "Roles" in client.list_roles(MaxItems=1)
    for group in (allowing, denying):
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName=user)
    iam.put_group_policy(GroupName=allowing, PolicyName="p", PolicyDocument=allow("iam:ListRoles"))
    iam.put_group_policy(
        GroupName=denying, PolicyName="p", PolicyDocument=allow("iam:ListRoles", effect="Deny")
    )
    assert fails(client.list_roles) == denied(
        user,
        "iam:ListRoles",
        f"arn:aws:iam::{ACCOUNT}:role/",
        "with an explicit deny in an identity-based policy",
    )
    iam.delete_group_policy(GroupName=denying, PolicyName="p")
    assert "Roles" in client.list_roles(MaxItems=1)


def test_the_users_permissions_boundary_still_limits_what_groups_give(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    user, group = unique("bounded"), unique("generous")
    boundary = iam.create_policy(
        PolicyName=unique("only-users"), PolicyDocument=allow("iam:ListUsers")
    )["Policy"]["Arn"]
    client = signing_user(node, iam, user, PermissionsBoundary=boundary)
    iam.create_group(GroupName=group)
    iam.put_group_policy(
        GroupName=group, PolicyName="p", PolicyDocument=allow("iam:ListUsers", "iam:ListRoles")
    )
    iam.add_user_to_group(GroupName=group, UserName=user)
    assert "Users" in client.list_users(MaxItems=1)
    assert fails(client.list_roles) == denied(
        user,
        "iam:ListRoles",
        f"arn:aws:iam::{ACCOUNT}:role/",
        "because no permissions boundary allows the iam:ListRoles action",
    )


def test_group_operations_are_authorized_on_the_groups_arn(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    user, mine, other, ghost = unique("admin"), unique("mine"), unique("other"), unique("ghost")
    client = signing_user(node, iam, user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="ops-groups",
        PolicyDocument=allow(
            "iam:GetGroup",
            "iam:AddUserToGroup",
            "iam:PutGroupPolicy",
            resource=f"arn:aws:iam::{ACCOUNT}:group/ops/*",
        ),
    )
    iam.create_group(GroupName=mine, Path="/ops/")
    iam.create_group(GroupName=other, Path="/dev/")
    assert client.get_group(GroupName=mine)["Group"]["GroupName"] == mine
    client.add_user_to_group(GroupName=mine, UserName=user)
    assert [u["UserName"] for u in iam.get_group(GroupName=mine)["Users"]] == [user]
    other_arn = f"arn:aws:iam::{ACCOUNT}:group/dev/{other}"
    for call in (client.get_group, client.add_user_to_group):
        kw = {"UserName": user} if call == client.add_user_to_group else {}
        action = "iam:GetGroup" if not kw else "iam:AddUserToGroup"
        assert fails(call, GroupName=other, **kw) == no_allow(user, action, other_arn)
    # A missing group is judged by the path-less ARN its name would have: AccessDenied here,
    # not NoSuchEntity, so the caller learns nothing about which groups exist.
    ghost_arn = f"arn:aws:iam::{ACCOUNT}:group/{ghost}"
    assert fails(client.get_group, GroupName=ghost)[2].startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: iam:GetGroup "
        f"on resource: {ghost_arn} "
    )
    assert fails(client.list_groups)[0] == "AccessDenied"


def test_session_tokens_of_a_member_carry_the_groups_policies(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    """GetSessionToken credentials have the user's permissions, its groups' included. (Without
    MFA they may call no IAM operation, so the group grants sts:AssumeRole.)"""
    user, group, role = unique("sessions"), unique("session-group"), unique("target")
    trust = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
    role_arn = iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]["Arn"]
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    credentials = node.client(
        "sts", key["AccessKeyId"], key["SecretAccessKey"]
    ).get_session_token()["Credentials"]
    session = node.client(
        "sts",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    refused = fails(session.assume_role, RoleArn=role_arn, RoleSessionName="member-session")
    assert refused[0] == "AccessDenied"

    iam.create_group(GroupName=group)
    iam.put_group_policy(
        GroupName=group, PolicyName="p", PolicyDocument=allow("sts:AssumeRole", resource=role_arn)
    )
    iam.add_user_to_group(GroupName=group, UserName=user)
    assumed = session.assume_role(RoleArn=role_arn, RoleSessionName="member-session")[
        "AssumedRoleUser"
    ]
    assert assumed["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/member-session"

    iam.remove_user_from_group(GroupName=group, UserName=user)  # decided at each request
    assert fails(session.assume_role, RoleArn=role_arn, RoleSessionName="member-session") == refused
