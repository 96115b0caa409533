"""GetAccountAuthorizationDetails end to end on SQLite and PostgreSQL: each detail shape, the
Filter, AWS managed policies only while attached, and MaxItems/Marker pages across the kinds
(MaxItems 1, exact multiples, a marker from elsewhere), with boto3 and the AWS CLI. Each test has
an account of its own, so the listing holds exactly what the test made."""

from __future__ import annotations

import json
from typing import Any

import pytest
from account_helpers import Account, new_account
from policy_helpers import TRUST, doc, fails

from harness import Node, Server

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ELEMENTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


@pytest.fixture
def account(node: Node) -> Account:
    return new_account(node)


def names(page: dict[str, Any]) -> list[str]:
    """The entities of a page in answer order, as kind:name."""
    out = [f"user:{u['UserName']}" for u in page["UserDetailList"]]
    out += [f"group:{g['GroupName']}" for g in page["GroupDetailList"]]
    out += [f"role:{r['RoleName']}" for r in page["RoleDetailList"]]
    return out + [f"policy:{p['PolicyName']}" for p in page["Policies"]]


def walk(iam: Any, max_items: int, **kw: Any) -> list[list[str]]:
    pages, marker = [], None
    while True:
        extra: dict[str, str] = {"Marker": marker} if marker else {}
        page = iam.get_account_authorization_details(MaxItems=max_items, **kw, **extra)
        pages.append(names(page))
        if not page["IsTruncated"]:
            assert "Marker" not in page
            return pages
        marker = page["Marker"]


def test_detail_shapes(account: Account) -> None:
    iam, acct = account.iam, account.account_id
    boundary = iam.create_policy(PolicyName="Boundary", PolicyDocument=doc("s3:*"))["Policy"]
    local = iam.create_policy(PolicyName="Local", Path="/team/", PolicyDocument=doc())["Policy"]
    iam.create_policy_version(
        PolicyArn=local["Arn"], PolicyDocument=doc("s3:Put*"), SetAsDefault=True
    )
    role = iam.create_role(
        RoleName="App",
        Path="/svc/",
        AssumeRolePolicyDocument=TRUST,
        PermissionsBoundary=boundary["Arn"],
        Tags=[{"Key": "team", "Value": "core"}],
    )["Role"]
    iam.put_role_policy(RoleName="App", PolicyName="inline", PolicyDocument=doc("sqs:*"))
    iam.attach_role_policy(RoleName="App", PolicyArn=local["Arn"])
    iam.attach_role_policy(RoleName="App", PolicyArn=READ_ONLY)
    profile = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="App")
    user = iam.create_user(UserName="alice", Tags=[{"Key": "k", "Value": "v"}])["User"]
    iam.put_user_policy(UserName="alice", PolicyName="self", PolicyDocument=doc("iam:GetUser"))
    iam.attach_user_policy(UserName="alice", PolicyArn=local["Arn"])
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary["Arn"])

    page = iam.get_account_authorization_details()
    assert page["IsTruncated"] is False and page["GroupDetailList"] == []
    [got_user] = page["UserDetailList"]
    assert got_user == {
        "Path": "/",
        "UserName": "alice",
        "UserId": user["UserId"],
        "Arn": f"arn:aws:iam::{acct}:user/alice",
        "CreateDate": user["CreateDate"],
        "UserPolicyList": [
            {"PolicyName": "self", "PolicyDocument": json.loads(doc("iam:GetUser"))}
        ],
        "GroupList": [],
        "AttachedManagedPolicies": [{"PolicyName": "Local", "PolicyArn": local["Arn"]}],
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary["Arn"],
        },
        "Tags": [{"Key": "k", "Value": "v"}],
    }
    [got_role] = page["RoleDetailList"]
    assert got_role["Arn"] == f"arn:aws:iam::{acct}:role/svc/App"
    assert (got_role["RoleId"], got_role["CreateDate"]) == (role["RoleId"], role["CreateDate"])
    assert got_role["AssumeRolePolicyDocument"] == json.loads(TRUST)  # URL-decoded by boto3
    assert got_role["RolePolicyList"] == [
        {"PolicyName": "inline", "PolicyDocument": json.loads(doc("sqs:*"))}
    ]
    assert got_role["AttachedManagedPolicies"] == [
        {"PolicyName": "Local", "PolicyArn": local["Arn"]},
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY},
    ]
    assert got_role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary["Arn"]
    assert got_role["Tags"] == [{"Key": "team", "Value": "core"}]
    assert got_role["RoleLastUsed"] == {}
    [got_profile] = got_role["InstanceProfileList"]
    assert got_profile["InstanceProfileId"] == profile["InstanceProfileId"]
    assert [r["RoleName"] for r in got_profile["Roles"]] == ["App"]

    policies = {p["PolicyName"]: p for p in page["Policies"]}
    # Customer managed policies all; AWS managed ones only while attached in the account.
    assert sorted(policies) == ["Boundary", "Local", "ReadOnlyAccess"]
    got_local = policies["Local"]
    assert {k: got_local[k] for k in ("PolicyId", "Arn", "Path", "DefaultVersionId")} == {
        "PolicyId": local["PolicyId"],
        "Arn": f"arn:aws:iam::{acct}:policy/team/Local",
        "Path": "/team/",
        "DefaultVersionId": "v2",
    }
    assert (got_local["AttachmentCount"], got_local["PermissionsBoundaryUsageCount"]) == (2, 0)
    assert got_local["IsAttachable"] is True
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in got_local["PolicyVersionList"]] == [
        ("v2", True),
        ("v1", False),
    ]
    assert got_local["PolicyVersionList"][0]["Document"] == json.loads(doc("s3:Put*"))
    assert policies["Boundary"]["PermissionsBoundaryUsageCount"] == 2
    assert policies["ReadOnlyAccess"]["AttachmentCount"] == 1

    iam.detach_role_policy(RoleName="App", PolicyArn=READ_ONLY)
    after = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
    assert after["Policies"] == []


def test_filter_picks_kinds(account: Account) -> None:
    iam = account.iam
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName="u")
    iam.create_policy(PolicyName="p", PolicyDocument=doc())
    iam.attach_role_policy(RoleName="r", PolicyArn=READ_ONLY)
    expected = {
        ("Role",): ["role:r"],
        ("User",): ["user:u"],
        ("LocalManagedPolicy",): ["policy:p"],
        ("AWSManagedPolicy",): ["policy:ReadOnlyAccess"],
        ("User", "LocalManagedPolicy"): ["user:u", "policy:p"],
        (): ["user:u", "role:r", "policy:p", "policy:ReadOnlyAccess"],
    }
    for kinds, wanted in expected.items():
        page = iam.get_account_authorization_details(Filter=list(kinds))
        assert names(page) == wanted, kinds
        assert all(element in page for element in ELEMENTS)


def test_pages_across_kinds_at_the_boundaries(account: Account) -> None:
    iam = account.iam
    for n in range(3):
        iam.create_user(UserName=f"u{n}")
        iam.create_role(RoleName=f"r{n}", AssumeRolePolicyDocument=TRUST)
    iam.create_policy(PolicyName="p0", PolicyDocument=doc())
    iam.attach_role_policy(RoleName="r0", PolicyArn=READ_ONLY)
    everything = ["user:u0", "user:u1", "user:u2", "role:r0", "role:r1", "role:r2"]
    everything += ["policy:p0", "policy:ReadOnlyAccess"]
    assert walk(iam, 1000) == [everything]
    assert walk(iam, 1) == [[entity] for entity in everything]  # MaxItems 1, every boundary
    # Exact multiples: the last page is full and says so (no empty page after it).
    assert walk(iam, 4) == [everything[:4], everything[4:]]
    assert walk(iam, 8) == [everything]
    # A page that ends exactly where a kind ends continues with the next kind.
    assert walk(iam, 3) == [everything[:3], everything[3:6], everything[6:]]
    assert walk(iam, 2, Filter=["Role", "AWSManagedPolicy"]) == [
        ["role:r0", "role:r1"],
        ["role:r2", "policy:ReadOnlyAccess"],
    ]


def test_bad_markers(account: Account) -> None:
    iam = account.iam
    iam.create_user(UserName="a")
    iam.create_user(UserName="b")
    first = iam.get_account_authorization_details(MaxItems=1)
    invalid = ("ValidationError", 400, "Invalid Marker.")
    assert fails(iam.get_account_authorization_details, Marker="not-a-marker") == invalid
    other_listing = iam.list_users(MaxItems=1)["Marker"]
    assert fails(iam.get_account_authorization_details, Marker=other_listing) == invalid
    # A marker issued for users does not resume a listing filtered to roles.
    assert (
        fails(iam.get_account_authorization_details, Filter=["Role"], Marker=first["Marker"])
        == invalid
    )
    assert names(iam.get_account_authorization_details(Marker=first["Marker"])) == ["user:b"]


def test_aws_cli_pages_through_everything(server: Server, account: Account) -> None:
    for n in range(3):
        account.iam.create_role(RoleName=f"cli{n}", AssumeRolePolicyDocument=TRUST)
    keys = {"key_id": account.key_id, "secret": account.secret}
    out = server.aws_json("iam", "get-account-authorization-details", "--page-size", "1", **keys)
    assert [r["RoleName"] for r in out["RoleDetailList"]] == ["cli0", "cli1", "cli2"]
    # --page-size 1: the CLI follows three markers; the filter travels with each page.
    roles_only = server.aws_json(
        "iam", "get-account-authorization-details", "--page-size", "1", "--filter", "Role", **keys
    )
    assert [r["RoleName"] for r in roles_only["RoleDetailList"]] == ["cli0", "cli1", "cli2"]
    assert roles_only["UserDetailList"] == [] and roles_only["Policies"] == []
