"""AssumeRole end to end: trust within and across accounts, ExternalId, durations and chaining,
what the temporary credentials may do, RoleLastUsed, and the errors AWS answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_helpers import Account, allow, document, new_account, temporary_client, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Node

ASSUME = "sts:AssumeRole"


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


@pytest.fixture(scope="module")
def other(node: Node) -> Account:
    return new_account(node)


def denied(user_arn: str, role_arn: str, action: str = ASSUME) -> str:
    return f"User: {user_arn} is not authorized to perform: {action} on resource: {role_arn}"


def error_of(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_trust_naming_the_user_suffices_in_its_account(home: Account, node: Node) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetRole", "*")))
    before = datetime.now(UTC)
    answer = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    creds, assumed = answer["Credentials"], answer["AssumedRoleUser"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40
    expected_end = before + timedelta(hours=1)
    assert abs((creds["Expiration"] - expected_end).total_seconds()) < 5
    assert assumed == {
        "AssumedRoleId": f"{role['RoleId']}:s1",
        "Arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/s1",
    }
    assert "PackedPolicySize" not in answer and "SourceIdentity" not in answer

    identity = temporary_client(node, creds, "sts").get_caller_identity()
    assert (identity["UserId"], identity["Account"], identity["Arn"]) == (
        f"{role['RoleId']}:s1",
        ACCOUNT_ID,
        assumed["Arn"],
    )
    info = home.client("sts").get_access_key_info(AccessKeyId=creds["AccessKeyId"])
    assert info["Account"] == ACCOUNT_ID
    # the role's policy decides what the session may do
    iam = temporary_client(node, creds)
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["RoleId"] == role["RoleId"]
    code, message = error_of(iam.list_roles)
    assert code == "AccessDenied"
    assert message == (
        f"User: {assumed['Arn']} is not authorized to perform: iam:ListRoles on resource: "
        f"arn:aws:iam::{ACCOUNT_ID}:role/ because no identity-based policy allows the "
        "iam:ListRoles action"
    )


def test_role_last_used_is_recorded(home: Account) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}))
    assert home.client().get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"] == {}
    user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="used")
    last = home.client().get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"]
    assert last["Region"] == "us-east-1"
    assert abs((datetime.now(UTC) - last["LastUsedDate"]).total_seconds()) < 60


def test_trust_naming_only_the_account_needs_an_identity_policy(home: Account) -> None:
    role = home.role(trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}))
    without = home.user()
    code, message = error_of(
        without.client().assume_role, RoleArn=role["Arn"], RoleSessionName="ss"
    )
    assert (code, message) == ("AccessDenied", denied(without.arn, role["Arn"]))
    allowed = home.user(document(allow(ASSUME, role["Arn"])))
    allowed.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ss")


def test_cross_account_needs_both_sides(home: Account, other: Account) -> None:
    role = other.role(trust({"AWS": ACCOUNT_ID}))
    with_policy = home.user(document(allow(ASSUME, role["Arn"])))
    without_policy = home.user()
    answer = with_policy.client().assume_role(RoleArn=role["Arn"], RoleSessionName="xx")
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{other.account_id}:assumed-role/{role['RoleName']}/xx"
    )
    code, message = error_of(
        without_policy.client().assume_role, RoleArn=role["Arn"], RoleSessionName="xx"
    )
    assert (code, message) == ("AccessDenied", denied(without_policy.arn, role["Arn"]))
    # a trust policy that names neither the account nor the user: denied despite the policy
    closed = other.role(trust({"AWS": other.account_id}))
    allowed_everything = home.user(document(allow(ASSUME, "*")))
    code, message = error_of(
        allowed_everything.client().assume_role, RoleArn=closed["Arn"], RoleSessionName="xx"
    )
    assert (code, message) == ("AccessDenied", denied(allowed_everything.arn, closed["Arn"]))


def test_external_id(home: Account, other: Account) -> None:
    condition = {"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}
    role = other.role(trust({"AWS": ACCOUNT_ID}, Condition=condition))
    user = home.user(document(allow(ASSUME, role["Arn"])))
    sts = user.client()
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="xx", ExternalId="Unique-ID-1234")
    for external_id in (None, "Unique-ID-9999"):
        kw = {"ExternalId": external_id} if external_id else {}
        code, message = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="xx", **kw)
        assert (code, message) == ("AccessDenied", denied(user.arn, role["Arn"]))


def test_root_user_cannot_assume_roles(home: Account) -> None:
    role = home.role(trust({"AWS": ACCOUNT_ID}))
    code, message = error_of(
        home.client("sts").assume_role, RoleArn=role["Arn"], RoleSessionName="xx"
    )
    assert (code, message) == ("AccessDenied", "Roles may not be assumed by root accounts.")
    # A malformed ARN is refused before the caller is judged, the root user included.
    code, message = error_of(
        home.client("sts").assume_role, RoleArn="not-an-arn-but-long-enough", RoleSessionName="xx"
    )
    assert (code, message) == ("ValidationError", "not-an-arn-but-long-enough is invalid")


def test_unknown_role_and_malformed_arn(home: Account) -> None:
    user = home.user(document(allow(ASSUME)))
    missing = f"arn:aws:iam::{ACCOUNT_ID}:role/no-such-role-here"
    code, message = error_of(user.client().assume_role, RoleArn=missing, RoleSessionName="xx")
    assert (code, message) == ("AccessDenied", denied(user.arn, missing))
    bad = "arn:aws:iam::123:role/short-account"
    code, message = error_of(user.client().assume_role, RoleArn=bad, RoleSessionName="xx")
    assert (code, message) == ("ValidationError", "Request ARN is invalid")
    bad = "not-an-arn-but-long-enough"
    code, message = error_of(user.client().assume_role, RoleArn=bad, RoleSessionName="xx")
    assert (code, message) == ("ValidationError", f"{bad} is invalid")
    code, message = error_of(
        user.client().assume_role,
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/whatever",
        RoleSessionName="bad name!",
    )
    assert code == "ValidationError"
    assert message == (
        "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    )


def test_durations(home: Account, node: Node) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), MaxSessionDuration=7200)
    sts = user.client()
    started = datetime.now(UTC)
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dd", DurationSeconds=7200)
    assert creds["Credentials"]["Expiration"] - started > timedelta(seconds=7190)
    code, message = error_of(
        sts.assume_role, RoleArn=role["Arn"], RoleSessionName="dd", DurationSeconds=7201
    )
    assert (code, message) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    code, message = error_of(
        sts.assume_role, RoleArn=role["Arn"], RoleSessionName="dd", DurationSeconds=899
    )
    assert code == "ValidationError"
    assert message == (
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900"
    )


def test_role_chaining_is_limited_to_one_hour(home: Account, node: Node) -> None:
    user = home.user()
    first = home.role(trust({"AWS": user.arn}), document(allow(ASSUME)))
    second = home.role(trust({"AWS": first["Arn"]}), MaxSessionDuration=43200)
    creds = user.client().assume_role(RoleArn=first["Arn"], RoleSessionName="one")["Credentials"]
    chained = temporary_client(node, creds, "sts")
    code, message = error_of(
        chained.assume_role, RoleArn=second["Arn"], RoleSessionName="two", DurationSeconds=3601
    )
    assert (code, message) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.",
    )
    started = datetime.now(UTC)
    answer = chained.assume_role(RoleArn=second["Arn"], RoleSessionName="two")
    assert answer["Credentials"]["Expiration"] - started <= timedelta(hours=1, seconds=1)
    identity = temporary_client(node, answer["Credentials"], "sts").get_caller_identity()
    assert identity["Arn"].endswith(f":assumed-role/{second['RoleName']}/two")


def test_session_policy_only_narrows(home: Account, node: Node) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow(["iam:GetRole", "iam:ListRoleTags"])))
    narrow = document(allow(["iam:GetRole", "iam:ListRoles"]))
    answer = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="narrow", Policy=narrow)
    assert 0 < answer["PackedPolicySize"] <= 100
    iam = temporary_client(node, answer["Credentials"])
    iam.get_role(RoleName=role["RoleName"])
    arn = answer["AssumedRoleUser"]["Arn"]
    code, message = error_of(iam.list_role_tags, RoleName=role["RoleName"])
    assert (code, message) == (
        "AccessDenied",
        f"User: {arn} is not authorized to perform: iam:ListRoleTags on resource: {role['Arn']} "
        "because no session policy allows the iam:ListRoleTags action",
    )
    code, _ = error_of(iam.list_roles)  # the session policy cannot add what the role lacks
    assert code == "AccessDenied"


def test_malformed_and_oversize_session_policies(home: Account) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}))
    sts = user.client()
    code, message = error_of(
        sts.assume_role, RoleArn=role["Arn"], RoleSessionName="pp", Policy="{not json"
    )
    assert (code, message) == ("MalformedPolicyDocument", "Syntax errors in policy.")
    big = document(*(allow(f"iam:GetRole{i:04d}") for i in range(40)))
    assert len(big) > 2048
    code, message = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="pp", Policy=big)
    assert code == "ValidationError" and "2048" in message
    arns = [{"arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/p{i}"} for i in range(11)]
    code, _ = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="pp", PolicyArns=arns)
    assert code == "ValidationError"


def test_managed_session_policies_narrow_too(home: Account, node: Node) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow(["iam:GetRole", "iam:ListRoleTags"])))
    managed = home.client().create_policy(
        PolicyName=f"session-{role['RoleName']}", PolicyDocument=document(allow("iam:GetRole"))
    )["Policy"]
    answer = user.client().assume_role(
        RoleArn=role["Arn"], RoleSessionName="managed", PolicyArns=[{"arn": managed["Arn"]}]
    )
    assert 0 < answer["PackedPolicySize"] <= 100
    iam = temporary_client(node, answer["Credentials"])
    iam.get_role(RoleName=role["RoleName"])
    code, message = error_of(iam.list_role_tags, RoleName=role["RoleName"])
    assert code == "AccessDenied"
    assert message.endswith("because no session policy allows the iam:ListRoleTags action")


def test_role_path_is_not_part_of_the_session_arn(home: Account) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), Path="/team/app/")
    assert role["Arn"].endswith(f":role/team/app/{role['RoleName']}")
    answer = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="pathless")
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/pathless"
    )
    wrong_path = role["Arn"].replace("/team/app/", "/other/")
    code, message = error_of(
        user.client().assume_role, RoleArn=wrong_path, RoleSessionName="pathless"
    )
    assert (code, message) == ("AccessDenied", denied(user.arn, wrong_path))


def test_cross_account_session_is_bounded_by_the_roles_boundary(
    home: Account, other: Account, node: Node
) -> None:
    boundary = other.client().create_policy(
        PolicyName=f"boundary-{other.account_id}-{datetime.now(UTC).timestamp():.0f}-x",
        PolicyDocument=document(allow(["iam:GetRole", "iam:ListRoleTags"])),
    )["Policy"]
    role = other.role(
        trust({"AWS": ACCOUNT_ID}),
        document(allow(["iam:GetRole", "iam:ListRoles"])),
        PermissionsBoundary=boundary["Arn"],
    )
    user = home.user(document(allow(ASSUME, role["Arn"])))
    answer = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="bounded")
    iam = temporary_client(node, answer["Credentials"])
    got = iam.get_role(RoleName=role["RoleName"])["Role"]
    assert got["Arn"] == role["Arn"]  # the session acts in the role's account
    session_arn = answer["AssumedRoleUser"]["Arn"]
    code, message = error_of(iam.list_roles)
    assert (code, message) == (
        "AccessDenied",
        f"User: {session_arn} is not authorized to perform: iam:ListRoles on resource: "
        f"arn:aws:iam::{other.account_id}:role/ because no permissions boundary allows the "
        "iam:ListRoles action",
    )
    code, message = error_of(iam.list_role_tags, RoleName=role["RoleName"])
    assert code == "AccessDenied"
    assert message.endswith("because no identity-based policy allows the iam:ListRoleTags action")
