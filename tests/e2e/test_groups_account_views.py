"""Groups in the account views and quotas, end to end on SQLite and PostgreSQL: GetAccount-
AuthorizationDetails (GroupDetailList, users' GroupList), GetAccountSummary (Groups and the
group quotas) and per-account quota overrides (``rolegate account quota set``). Each test has an
account of its own, so counts start from nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from account_helpers import Account, new_account, set_quota
from policy_helpers import doc, fails

from harness import Node


@pytest.fixture
def account(node: Node) -> Account:
    return new_account(node)


def details(iam: Any, **kw: Any) -> Any:
    return iam.get_account_authorization_details(**kw)


def test_group_details_with_their_policies_and_the_users_group_list(account: Account) -> None:
    iam = account.iam
    group = iam.create_group(GroupName="Ops", Path="/team/")["Group"]
    iam.create_group(GroupName="bare")
    document = json.loads(doc("iam:ListRoles"))
    iam.put_group_policy(GroupName="Ops", PolicyName="inline", PolicyDocument=json.dumps(document))
    policy = iam.create_policy(PolicyName="managed", PolicyDocument=doc())["Policy"]
    iam.attach_group_policy(GroupName="Ops", PolicyArn=policy["Arn"])
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="ops", UserName="member")
    iam.add_user_to_group(GroupName="bare", UserName="member")

    only_groups = details(iam, Filter=["Group"])
    assert only_groups["UserDetailList"] == [] and only_groups["RoleDetailList"] == []
    assert only_groups["IsTruncated"] is False
    bare = iam.get_group(GroupName="bare")["Group"]
    assert bare["Arn"] == f"arn:aws:iam::{account.account_id}:group/bare"
    assert only_groups["GroupDetailList"] == [
        {**bare, "GroupPolicyList": [], "AttachedManagedPolicies": []},
        {
            **group,
            "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": document}],
            "AttachedManagedPolicies": [{"PolicyName": "managed", "PolicyArn": policy["Arn"]}],
        },
    ]
    users = details(iam, Filter=["User"])["UserDetailList"]
    assert [(u["UserName"], u["GroupList"]) for u in users] == [("member", ["bare", "Ops"])]


def test_pages_walk_users_then_groups_at_the_boundaries(account: Account) -> None:
    iam = account.iam
    iam.create_user(UserName="only-user")
    for name in ("b", "A", "c"):
        iam.create_group(GroupName=name)
    seen, marker = [], None
    while True:
        page = details(
            iam, Filter=["User", "Group"], MaxItems=2, **({"Marker": marker} if marker else {})
        )
        seen.append(
            [u["UserName"] for u in page["UserDetailList"]]
            + [g["GroupName"] for g in page["GroupDetailList"]]
        )
        assert page["IsTruncated"] == ("Marker" in page)
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert seen == [["only-user", "A"], ["b", "c"]]  # an exact multiple: no empty last page
    ones = details(iam, Filter=["Group"], MaxItems=1)
    assert [g["GroupName"] for g in ones["GroupDetailList"]] == ["A"] and ones["IsTruncated"]


def test_account_summary_counts_groups_and_shows_their_quotas(account: Account) -> None:
    iam = account.iam
    before = iam.get_account_summary()["SummaryMap"]
    assert before["Groups"] == 0
    assert before["GroupsQuota"] == 300
    assert before["GroupsPerUserQuota"] == 10
    assert before["GroupPolicySizeQuota"] == 5120
    assert before["AttachedPoliciesPerGroupQuota"] == 10
    iam.create_group(GroupName="one")
    iam.create_group(GroupName="two")
    assert iam.get_account_summary()["SummaryMap"]["Groups"] == 2
    iam.delete_group(GroupName="one")
    assert iam.get_account_summary()["SummaryMap"]["Groups"] == 1


def test_group_quotas_follow_the_accounts_overrides(node: Node, account: Account) -> None:
    iam = account.iam
    set_quota(node, account.account_id, "GroupsQuota", 2)
    set_quota(node, account.account_id, "GroupsPerUser", 1)
    iam.create_group(GroupName="first")
    iam.create_group(GroupName="second")
    assert fails(iam.create_group, GroupName="third") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for GroupsPerAccount: 2",
    )
    iam.create_user(UserName="u")
    iam.add_user_to_group(GroupName="first", UserName="u")
    assert fails(iam.add_user_to_group, GroupName="second", UserName="u") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for GroupsPerUser: 1",
    )
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["GroupsQuota"], summary["GroupsPerUserQuota"]) == (2, 1)
