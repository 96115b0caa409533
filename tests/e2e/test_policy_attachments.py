"""Managed policies attached to roles and users, and permissions boundaries, end to end with boto3
against a real server, on SQLite and PostgreSQL; and how both join evaluation.

Each bad input names the answer AWS gives: code, HTTP status and message.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from policy_helpers import ACCOUNT, doc, fails, make_policy, make_role
from sessions import mint_role_session

from harness import Node


def test_deleting_a_role_with_a_boundary_frees_the_policy(
    iam: Any, unique: Callable[[str], str]
) -> None:
    arn = make_policy(iam, unique("bnd"))["Arn"]
    role = unique("bounded")
    make_role(iam, role, PermissionsBoundary=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    iam.delete_role(RoleName=role)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    iam.delete_policy(PolicyArn=arn)


def test_attach_detach_list_and_counts(iam: Any, unique: Callable[[str], str]) -> None:
    role = unique("att")
    make_role(iam, role)
    first = make_policy(iam, unique("b-pol"), Path="/team/")
    second = make_policy(iam, unique("a-pol"))
    for policy in (first, second, first):  # attaching twice is no error
        iam.attach_role_policy(RoleName=role.upper(), PolicyArn=policy["Arn"])
    listed = iam.list_attached_role_policies(RoleName=role)
    assert listed["AttachedPolicies"] == [
        {"PolicyName": second["PolicyName"], "PolicyArn": second["Arn"]},
        {"PolicyName": first["PolicyName"], "PolicyArn": first["Arn"]},
    ]
    assert listed["IsTruncated"] is False
    only_team = iam.list_attached_role_policies(RoleName=role, PathPrefix="/team/")
    assert [p["PolicyArn"] for p in only_team["AttachedPolicies"]] == [first["Arn"]]
    page = iam.list_attached_role_policies(RoleName=role, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["AttachedPolicies"]) == 1
    rest = iam.list_attached_role_policies(RoleName=role, Marker=page["Marker"])
    assert rest["AttachedPolicies"] == listed["AttachedPolicies"][1:]
    assert iam.get_policy(PolicyArn=first["Arn"])["Policy"]["AttachmentCount"] == 1
    iam.detach_role_policy(RoleName=role, PolicyArn=first["Arn"])
    assert iam.get_policy(PolicyArn=first["Arn"])["Policy"]["AttachmentCount"] == 0
    assert fails(iam.detach_role_policy, RoleName=role, PolicyArn=first["Arn"]) == (
        "NoSuchEntity",
        404,
        f"Policy {first['Arn']} was not found.",
    )


def test_attach_errors(iam: Any, unique: Callable[[str], str]) -> None:
    role = unique("atterr")
    make_role(iam, role)
    ghost = f"arn:aws:iam::{ACCOUNT}:policy/{unique('ghost')}"
    assert fails(iam.attach_role_policy, RoleName=role, PolicyArn=ghost) == (
        "NoSuchEntity",
        404,
        f"Policy {ghost} does not exist or is not attachable.",
    )
    other_account = f"arn:aws:iam::210987654321:policy/{unique('theirs')}"
    assert fails(iam.attach_role_policy, RoleName=role, PolicyArn=other_account)[0] == (
        "NoSuchEntity"
    )
    assert fails(iam.attach_role_policy, RoleName=role, PolicyArn="arn:aws:s3:::bucket/x") == (
        "InvalidInput",
        400,
        "ARN arn:aws:s3:::bucket/x is not valid.",
    )
    missing_role = unique("norole")
    policy = make_policy(iam, unique("p"))["Arn"]
    assert fails(iam.attach_role_policy, RoleName=missing_role, PolicyArn=policy) == (
        "NoSuchEntity",
        404,
        f"The role with name {missing_role} cannot be found.",
    )


def test_at_most_ten_attached_policies(iam: Any, unique: Callable[[str], str]) -> None:
    role = unique("ten")
    make_role(iam, role)
    arns = [make_policy(iam, unique(f"p{i}"))["Arn"] for i in range(11)]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert fails(iam.attach_role_policy, RoleName=role, PolicyArn=arns[10]) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for PoliciesPerRole: 10",
    )
    iam.attach_role_policy(RoleName=role, PolicyArn=arns[0])  # re-attaching stays allowed
    assert len(iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]) == 10


def test_list_entities_for_policy(iam: Any, unique: Callable[[str], str]) -> None:
    arn = make_policy(iam, unique("ent"))["Arn"]
    roles = sorted(unique(f"r{i}") for i in range(3))
    created = {
        name: make_role(iam, name, Path="/svc/" if i else "/") for i, name in enumerate(roles)
    }
    for name in roles[:2]:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    iam.put_role_permissions_boundary(RoleName=roles[2], PermissionsBoundary=arn)
    by_id = sorted(roles, key=lambda n: created[n]["RoleId"])  # listed in the order of ids
    everything = iam.list_entities_for_policy(PolicyArn=arn)
    assert everything["PolicyRoles"] == [
        {"RoleName": n, "RoleId": created[n]["RoleId"]} for n in by_id
    ]
    assert everything["PolicyUsers"] == [] and everything["PolicyGroups"] == []
    attached = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy")
    assert sorted(r["RoleName"] for r in attached["PolicyRoles"]) == roles[:2]
    bounded = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert [r["RoleName"] for r in bounded["PolicyRoles"]] == roles[2:]
    svc = iam.list_entities_for_policy(PolicyArn=arn, PathPrefix="/svc/")
    assert sorted(r["RoleName"] for r in svc["PolicyRoles"]) == roles[1:]
    assert iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="User")["PolicyRoles"] == []
    names: list[str] = []
    marker = None
    while True:
        kw: dict[str, str] = {"Marker": marker} if marker else {}
        page = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=1, **kw)
        names += [r["RoleName"] for r in page["PolicyRoles"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert names == by_id


def test_boundaries_on_roles(iam: Any, unique: Callable[[str], str]) -> None:
    arn = make_policy(iam, unique("bound"))["Arn"]
    role = unique("bounded")
    created = make_role(iam, role, PermissionsBoundary=arn)
    shown = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
    assert created["PermissionsBoundary"] == shown
    assert iam.get_role(RoleName=role)["Role"]["PermissionsBoundary"] == shown
    iam.delete_role_permissions_boundary(RoleName=role)
    assert "PermissionsBoundary" not in iam.get_role(RoleName=role)["Role"]
    aws_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=aws_arn)
    assert iam.get_role(RoleName=role)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        aws_arn
    )
    ghost = f"arn:aws:iam::{ACCOUNT}:policy/{unique('ghost')}"
    scope_error = ("NoSuchEntity", 404, f"Scope ARN: {ghost} does not exist or is not attachable.")
    assert fails(iam.put_role_permissions_boundary, RoleName=role, PermissionsBoundary=ghost) == (
        scope_error
    )
    assert fails(make_role, iam, unique("nope"), PermissionsBoundary=ghost) == scope_error


def test_user_attachments_and_boundaries(iam: Any, unique: Callable[[str], str]) -> None:
    user = unique("u")
    iam.create_user(UserName=user)
    arn = make_policy(iam, unique("upol"))["Arn"]
    iam.attach_user_policy(UserName=user.upper(), PolicyArn=arn)
    name = arn.rsplit("/", 1)[1]
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == [
        {"PolicyName": name, "PolicyArn": arn}
    ]
    users = iam.list_entities_for_policy(PolicyArn=arn)["PolicyUsers"]
    assert [u["UserName"] for u in users] == [user]
    assert users[0]["UserId"].startswith("AIDA")
    assert fails(iam.delete_user, UserName=user) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must detach all policies first.",
    )
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    assert fails(iam.detach_user_policy, UserName=user, PolicyArn=arn)[0] == "NoSuchEntity"
    ghost = f"arn:aws:iam::{ACCOUNT}:policy/{unique('ghost')}"
    assert fails(iam.put_user_permissions_boundary, UserName=user, PermissionsBoundary=ghost) == (
        "NoSuchEntity",
        404,
        f"Scope ARN: {ghost} does not exist or is not attachable.",
    )
    iam.put_user_permissions_boundary(UserName=user, PermissionsBoundary=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    iam.delete_user(UserName=user)  # a boundary does not stop the deletion, and goes with it
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    missing = unique("nouser")
    assert fails(iam.attach_user_policy, UserName=missing, PolicyArn=arn) == (
        "NoSuchEntity",
        404,
        f"The user with name {missing} cannot be found.",
    )


def test_attached_policies_and_boundaries_join_evaluation(
    iam: Any, unique: Callable[[str], str], node: Node
) -> None:
    name = unique("evaluated")
    role = make_role(iam, name)
    session = mint_role_session(node, role).client(node)
    with pytest.raises(ClientError):
        session.list_roles()
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    session.list_roles()  # allowed by the attached AWS managed policy
    code, _, message = fails(session.create_policy, PolicyName=unique("p"), PolicyDocument=doc())
    assert code == "AccessDenied"
    assert message.endswith("because no identity-based policy allows the iam:CreatePolicy action")
    boundary = iam.create_policy(PolicyName=unique("only-get"), PolicyDocument=doc("iam:GetRole"))
    arn = boundary["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=arn)
    session.get_role(RoleName=name)  # allowed by both
    code, _, message = fails(session.list_roles)
    assert code == "AccessDenied"
    assert message.endswith("because no permissions boundary allows the iam:ListRoles action")
    # The boundary's default version is the one in force.
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("iam:List*"), SetAsDefault=True)
    session.list_roles()
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert fails(session.list_roles)[0] == "AccessDenied"
    iam.detach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert fails(session.get_role, RoleName=name)[0] == "AccessDenied"


def test_racing_attachments_never_pass_the_quota(
    iam: Any, unique: Callable[[str], str], node: Node
) -> None:
    """Rounds of two attachments racing for the tenth place: exactly one wins each time."""
    role = unique("race-att")
    make_role(iam, role)
    arns = [make_policy(iam, unique(f"ra{i}"))["Arn"] for i in range(11)]
    for arn in arns[:9]:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    clients = [node.client("iam") for _ in range(2)]

    def attach(client: Any, arn: str, barrier: threading.Barrier, outcomes: list[str]) -> None:
        barrier.wait()
        try:
            client.attach_role_policy(RoleName=role, PolicyArn=arn)
            outcomes.append("ok")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    for _ in range(8):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        threads = [
            threading.Thread(target=attach, args=(c, a, barrier, outcomes))
            for c, a in zip(clients, arns[9:], strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        assert sorted(outcomes) == ["LimitExceeded", "ok"]
        assert len(attached) == 10
        for extra in {p["PolicyArn"] for p in attached} & set(arns[9:]):
            iam.detach_role_policy(RoleName=role, PolicyArn=extra)


def test_condition_keys_on_policy_arns_and_boundaries(
    iam: Any, unique: Callable[[str], str], node: Node
) -> None:
    """The classic delegation pattern: a role may attach only one policy, and create roles
    only with a given boundary (iam:PolicyARN, iam:PermissionsBoundary)."""
    allowed = make_policy(iam, unique("allowed"))["Arn"]
    other = make_policy(iam, unique("other"))["Arn"]
    delegate = unique("delegate")
    role = make_role(iam, delegate)
    statements = [
        {
            "Effect": "Allow",
            "Action": "iam:AttachRolePolicy",
            "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": allowed}},
        },
        {
            "Effect": "Allow",
            "Action": "iam:CreateRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": allowed}},
        },
    ]
    iam.put_role_policy(
        RoleName=delegate,
        PolicyName="delegation",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    session = mint_role_session(node, role).client(node)
    target = unique("target")
    assert fails(make_role, session, target)[0] == "AccessDenied"  # no boundary
    assert fails(make_role, session, target, PermissionsBoundary=other)[0] == "AccessDenied"
    make_role(session, target, PermissionsBoundary=allowed)
    session.attach_role_policy(RoleName=target, PolicyArn=allowed)
    code, _, message = fails(session.attach_role_policy, RoleName=target, PolicyArn=other)
    assert code == "AccessDenied"
    assert "iam:AttachRolePolicy" in message
