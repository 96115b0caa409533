"""Per-account quotas: AWS's defaults, overrides by `rolegate account quota`, enforcement with
AWS's LimitExceeded messages, and concurrent creates at the quota, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from account_helpers import Account, new_account, set_quota
from policy_helpers import TRUST, doc, fails

from harness import Node


@pytest.fixture
def account(node: Node) -> Account:
    return new_account(node)


def quota_cmd(node: Node, *args: str):  # type: ignore[no-untyped-def]
    return node.admin("account", "quota", *args)


def test_roles_per_account_after_an_override(node: Node, account: Account) -> None:
    iam = account.iam
    set_quota(node, account.account_id, "RolesPerAccount", 3)
    for n in range(3):
        iam.create_role(RoleName=f"r{n}", AssumeRolePolicyDocument=TRUST)
    assert fails(iam.create_role, RoleName="r3", AssumeRolePolicyDocument=TRUST) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for RolesPerAccount: 3",
    )
    assert len(iam.list_roles()["Roles"]) == 3  # the refused role was not written
    # Service-linked roles count as roles too.
    refused = fails(iam.create_service_linked_role, AWSServiceName="autoscaling.amazonaws.com")
    assert refused[0] == "LimitExceeded"
    iam.delete_role(RoleName="r0")
    iam.create_role(RoleName="r3", AssumeRolePolicyDocument=TRUST)
    assert iam.get_account_summary()["SummaryMap"]["RolesQuota"] == 3


def test_account_wide_quotas_for_users_policies_profiles_groups(
    node: Node, account: Account
) -> None:
    iam = account.iam
    for name in ("UsersQuota", "PoliciesQuota", "InstanceProfilesQuota", "GroupsQuota"):
        set_quota(node, account.account_id, name, 1)
    iam.create_user(UserName="u0")
    iam.create_policy(PolicyName="p0", PolicyDocument=doc())
    iam.create_instance_profile(InstanceProfileName="ip0")
    iam.create_group(GroupName="g0")
    assert fails(iam.create_user, UserName="u1") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for UsersPerAccount: 1",
    )
    assert fails(iam.create_policy, PolicyName="p1", PolicyDocument=doc()) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for PoliciesPerAccount: 1",
    )
    assert fails(iam.create_instance_profile, InstanceProfileName="ip1") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for InstanceProfilesPerAccount: 1",
    )
    assert fails(iam.create_group, GroupName="g1") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for GroupsPerAccount: 1",
    )
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["Users"], summary["Policies"], summary["InstanceProfiles"]) == (1, 1, 1)
    assert (summary["UsersQuota"], summary["PoliciesQuota"]) == (1, 1)


def test_per_entity_quotas(node: Node, account: Account) -> None:
    iam = account.iam
    set_quota(node, account.account_id, "AttachedPoliciesPerRoleQuota", 20)  # AWS's maximum
    set_quota(node, account.account_id, "AttachedPoliciesPerUserQuota", 1)
    set_quota(node, account.account_id, "VersionsPerPolicyQuota", 2)
    set_quota(node, account.account_id, "AccessKeysPerUser", 1)
    arns = [
        iam.create_policy(PolicyName=f"p{n}", PolicyDocument=doc())["Policy"]["Arn"]
        for n in range(12)
    ]
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    for arn in arns[:11]:  # past AWS's default of 10
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    assert len(iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]) == 11
    iam.create_user(UserName="u")
    iam.attach_user_policy(UserName="u", PolicyArn=arns[0])
    assert fails(iam.attach_user_policy, UserName="u", PolicyArn=arns[1]) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for PoliciesPerUser: 1",
    )
    iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=doc("s3:PutObject"))
    assert fails(iam.create_policy_version, PolicyArn=arns[0], PolicyDocument=doc()) == (
        "LimitExceeded",
        409,
        "A managed policy can have up to 2 versions. Before you create a new version, "
        "you must delete an existing version.",
    )
    iam.create_access_key(UserName="u")
    assert fails(iam.create_access_key, UserName="u") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for AccessKeysPerUser: 1",
    )


def test_concurrent_creates_never_pass_the_quota(node: Node, account: Account) -> None:
    set_quota(node, account.account_id, "RolesQuota", 5)

    def create(n: int) -> str:
        iam = node.client("iam", account.key_id, account.secret)
        try:
            iam.create_role(RoleName=f"race{n}", AssumeRolePolicyDocument=TRUST)
        except Exception as error:
            return str(getattr(error, "response", {}).get("Error", {}).get("Code"))
        return "created"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(create, range(12)))
    assert sorted(outcomes) == ["LimitExceeded"] * 7 + ["created"] * 5
    assert len(account.iam.list_roles()["Roles"]) == 5


def test_admin_command(node: Node, account: Account) -> None:
    acct = account.account_id
    listed = [
        json.loads(line)
        for line in quota_cmd(node, "list", "--account-id", acct).stdout.splitlines()
    ]
    roles = next(q for q in listed if q["Name"] == "RolesQuota")
    assert roles == {
        "Name": "RolesQuota",
        "LimitName": "RolesPerAccount",
        "Value": 1000,
        "Default": 1000,
        "Maximum": 5000,
        "Overridden": False,
        "ReportedOnly": False,
    }
    assert {q["Name"] for q in listed} >= {"UsersQuota", "PoliciesQuota", "VersionsPerPolicyQuota"}
    done = quota_cmd(node, "set", "--account-id", acct, "--name", "rolesquota", "--value", "2000")
    assert (done.returncode, json.loads(done.stdout)) == (0, {"Name": "RolesQuota", "Value": 2000})
    assert account.iam.get_account_summary()["SummaryMap"]["RolesQuota"] == 2000
    refusals = [
        (
            ("--name", "RolesQuota", "--value", "5001"),
            "RolesQuota cannot exceed AWS's maximum of 5000",
        ),
        (("--name", "RolesQuota", "--value", "0"), "RolesQuota must be at least 1, not 0"),
        (
            ("--name", "UsersQuota", "--value", "5001"),
            "UsersQuota cannot exceed AWS's fixed quota of 5000",
        ),
        (("--name", "NoSuchQuota", "--value", "1"), "unknown quota 'NoSuchQuota'"),
        (
            ("--name", "AssumeRolePolicySizeQuota", "--value", "4096"),
            "AssumeRolePolicySizeQuota is not adjustable in rolegate (AWS's 2048 applies)",
        ),
    ]
    for args, message in refusals:
        done = quota_cmd(node, "set", "--account-id", acct, *args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
    assert account.iam.get_account_summary()["SummaryMap"]["RolesQuota"] == 2000
    unknown = quota_cmd(node, "list", "--account-id", "999999999999")
    assert unknown.returncode == 1 and "no account 999999999999" in unknown.stderr
    reset = quota_cmd(node, "reset", "--account-id", acct, "--name", "RolesPerAccount")
    assert reset.returncode == 0
    assert account.iam.get_account_summary()["SummaryMap"]["RolesQuota"] == 1000
