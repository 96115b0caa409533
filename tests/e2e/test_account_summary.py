"""GetAccountSummary end to end on SQLite and PostgreSQL: every key of the model's SummaryMap,
usage counted from what the account holds, quotas as AWS's defaults or the account's overrides.
Each test has an account of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from account_helpers import Account, new_account, set_quota
from policy_helpers import TRUST, doc

from harness import Node, Server

MODEL = Path(__file__).parents[2] / "src/rolegate/wire/models/iam-2010-05-08.json"
DEFAULT_QUOTAS = {
    "UsersQuota": 5000,
    "RolesQuota": 1000,
    "GroupsQuota": 300,
    "PoliciesQuota": 1500,
    "InstanceProfilesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "AttachedPoliciesPerRoleQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "AttachedPoliciesPerGroupQuota": 10,
    "VersionsPerPolicyQuota": 5,
    "PolicyVersionsInUseQuota": 10000,
    "AccessKeysPerUserQuota": 2,
    "SigningCertificatesPerUserQuota": 2,
    "GroupsPerUserQuota": 10,
    "AssumeRolePolicySizeQuota": 2048,
    "PolicySizeQuota": 6144,
    "RolePolicySizeQuota": 10240,
    "UserPolicySizeQuota": 2048,
    "GroupPolicySizeQuota": 5120,
}


@pytest.fixture
def account(node: Node) -> Account:
    return new_account(node)


def test_a_new_account(account: Account) -> None:
    summary = account.iam.get_account_summary()["SummaryMap"]
    keys = json.loads(MODEL.read_text())["shapes"]["summaryKeyType"]["enum"]
    assert sorted(summary) == sorted(keys)  # every key the model names, nothing else
    assert {k: summary[k] for k in DEFAULT_QUOTAS} == DEFAULT_QUOTAS
    usage = {k: v for k, v in summary.items() if k not in DEFAULT_QUOTAS}
    assert usage == {
        "Users": 0,
        "Roles": 0,
        "Groups": 0,
        "Policies": 0,
        "PolicyVersionsInUse": 0,
        "InstanceProfiles": 0,
        "MFADevices": 0,
        "MFADevicesInUse": 0,
        "Providers": 0,
        "ServerCertificates": 0,
        "AccountMFAEnabled": 0,
        "AccountAccessKeysPresent": 1,  # the root key `account create` made
        "AccountPasswordPresent": 0,
        "AccountSigningCertificatesPresent": 0,
        "GlobalEndpointTokenVersion": 1,
    }


def test_counts_follow_the_account(node: Node, account: Account) -> None:
    iam = account.iam
    for n in range(2):
        iam.create_role(RoleName=f"r{n}", AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=doc())["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("s3:PutObject"))
    iam.attach_role_policy(RoleName="r0", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa")
    iam.create_open_id_connect_provider(
        Url="https://issuer.example.com", ClientIDList=["app"], ThumbprintList=["a" * 40]
    )
    set_quota(node, account.account_id, "RolesQuota", 2500)
    summary = iam.get_account_summary()["SummaryMap"]
    assert {
        k: summary[k]
        for k in (
            "Roles",
            "Users",
            "Groups",
            "Policies",
            "PolicyVersionsInUse",
            "InstanceProfiles",
            "MFADevices",
            "MFADevicesInUse",
            "Providers",
            "RolesQuota",
        )
    } == {
        "Roles": 2,
        "Users": 1,
        "Groups": 1,
        "Policies": 1,  # customer managed only: the attached AWS policy is not the account's
        "PolicyVersionsInUse": 2,
        "InstanceProfiles": 1,
        "MFADevices": 1,
        "MFADevicesInUse": 0,
        "Providers": 1,
        "RolesQuota": 2500,
    }
    iam.delete_role(RoleName="r1")
    assert iam.get_account_summary()["SummaryMap"]["Roles"] == 1


def test_aws_cli(server: Server, account: Account) -> None:
    keys = {"key_id": account.key_id, "secret": account.secret}
    summary = server.aws_json("iam", "get-account-summary", **keys)["SummaryMap"]
    assert (summary["RolesQuota"], summary["Roles"]) == (1000, 0)
