"""What a role session carries: session tags (aws:PrincipalTag, transitive through chains),
SourceIdentity (set once, immutable), and MFA with real TOTP codes."""

from __future__ import annotations

import json
import random
import string
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from mfa_helpers import enable_virtual_mfa, next_code
from sts_helpers import Account, allow, document, temporary_client, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Node

TAG_AND_ASSUME = ["sts:AssumeRole", "sts:TagSession"]


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def error_of(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def tagged_role(home: Account, principal: str, team_condition: str) -> dict[str, Any]:
    """A role whose policy allows GetRole only to sessions tagged team=``team_condition``."""
    condition = {"StringEquals": {"aws:PrincipalTag/team": team_condition}}
    return home.role(
        trust({"AWS": principal}, TAG_AND_ASSUME),
        document(allow(["iam:GetRole", "sts:AssumeRole", "sts:TagSession"], Condition=condition)),
    )


# --- session tags --------------------------------------------------------------------------------
def test_session_tags_are_principal_tags(home: Account, node: Node) -> None:
    user = home.user()
    role = tagged_role(home, user.arn, "blue")
    for team, allowed in (("blue", True), ("red", False)):
        answer = user.client().assume_role(
            RoleArn=role["Arn"], RoleSessionName="tagged", Tags=[{"Key": "team", "Value": team}]
        )
        assert 0 < answer["PackedPolicySize"] <= 100
        iam = temporary_client(node, answer["Credentials"])
        if allowed:
            iam.get_role(RoleName=role["RoleName"])
        else:
            assert error_of(iam.get_role, RoleName=role["RoleName"])[0] == "AccessDenied"


def test_tags_need_sts_tag_session_in_the_trust_policy(home: Account) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}))
    code, message = error_of(
        user.client().assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="tagged",
        Tags=[{"Key": "team", "Value": "blue"}],
    )
    assert (code, message) == (
        "AccessDenied",
        f"User: {user.arn} is not authorized to perform: sts:TagSession on resource: {role['Arn']}",
    )


def test_tag_errors(home: Account) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}, TAG_AND_ASSUME))
    sts = user.client()
    duplicate = [{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}]
    code, message = error_of(
        sts.assume_role, RoleArn=role["Arn"], RoleSessionName="tt", Tags=duplicate
    )
    assert code == "InvalidParameterValue" and "case insensitive" in message
    code, _ = error_of(
        sts.assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="tt",
        Tags=[{"Key": "team", "Value": "a"}],
        TransitiveTagKeys=["project"],
    )
    assert code == "InvalidParameterValue"
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    code, message = error_of(
        sts.assume_role, RoleArn=role["Arn"], RoleSessionName="tt", Tags=too_many
    )
    assert code == "ValidationError" and "Member must have length less than or equal to 50" in (
        message
    )
    rng = random.Random(7)
    letters = string.ascii_letters + string.digits
    big = [
        {"Key": f"key{i:03d}", "Value": "".join(rng.choice(letters) for _ in range(256))}
        for i in range(50)
    ]
    code, message = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="tt", Tags=big)
    assert code == "PackedPolicyTooLarge"
    assert message.startswith("Packed policy consumes ")
    assert message.endswith("% of allotted space, please use smaller policy.")


def test_transitive_tags_pass_through_a_chain(home: Account, node: Node) -> None:
    user = home.user()
    first = home.role(trust({"AWS": user.arn}, TAG_AND_ASSUME), document(allow(TAG_AND_ASSUME)))
    second = tagged_role(home, first["Arn"], "blue")
    answer = user.client().assume_role(
        RoleArn=first["Arn"],
        RoleSessionName="first",
        Tags=[{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "1"}],
        TransitiveTagKeys=["team"],
    )
    chained = temporary_client(node, answer["Credentials"], "sts")
    # the inherited transitive tag cannot be set again
    code, _ = error_of(
        chained.assume_role,
        RoleArn=second["Arn"],
        RoleSessionName="second",
        Tags=[{"Key": "team", "Value": "red"}],
    )
    assert code == "InvalidParameterValue"
    second_session = chained.assume_role(RoleArn=second["Arn"], RoleSessionName="second")
    iam = temporary_client(node, second_session["Credentials"])
    iam.get_role(RoleName=second["RoleName"])  # team=blue arrived transitively


# --- source identity -----------------------------------------------------------------------------
def test_source_identity_is_set_once_and_kept(home: Account, node: Node) -> None:
    user = home.user()
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    first = home.role(trust({"AWS": user.arn}, actions), document(allow(actions)))
    condition = {"StringEquals": {"aws:SourceIdentity": "alice"}}
    second = home.role(
        trust({"AWS": first["Arn"]}, actions),
        document(allow("iam:GetRole", Condition=condition)),
    )
    answer = user.client().assume_role(
        RoleArn=first["Arn"], RoleSessionName="first", SourceIdentity="alice"
    )
    assert answer["SourceIdentity"] == "alice"
    chained = temporary_client(node, answer["Credentials"], "sts")
    code, message = error_of(
        chained.assume_role, RoleArn=second["Arn"], RoleSessionName="second", SourceIdentity="bob"
    )
    assert code == "AccessDenied" and "sts:SetSourceIdentity" in message
    kept = chained.assume_role(RoleArn=second["Arn"], RoleSessionName="second")
    assert kept["SourceIdentity"] == "alice"
    temporary_client(node, kept["Credentials"]).get_role(RoleName=second["RoleName"])
    # without sts:SetSourceIdentity in the trust policy, no source identity can be set
    plain = home.role(trust({"AWS": user.arn}))
    code, message = error_of(
        user.client().assume_role, RoleArn=plain["Arn"], RoleSessionName="pp", SourceIdentity="x1"
    )
    assert (code, message) == (
        "AccessDenied",
        f"User: {user.arn} is not authorized to perform: sts:SetSourceIdentity on resource: "
        f"{plain['Arn']}",
    )


# --- MFA -----------------------------------------------------------------------------------------
def test_virtual_mfa_device_lifecycle(home: Account) -> None:
    user = home.user()
    iam = home.client()
    serial, _ = enable_virtual_mfa(home, user)
    devices = iam.list_mfa_devices(UserName=user.name)["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devices] == [(user.name, serial)]
    code, _ = error_of(iam.delete_virtual_mfa_device, SerialNumber=serial)
    assert code == "DeleteConflict"
    iam.deactivate_mfa_device(UserName=user.name, SerialNumber=serial)
    assert iam.list_mfa_devices(UserName=user.name)["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    code, _ = error_of(iam.delete_virtual_mfa_device, SerialNumber=serial)
    assert code == "NoSuchEntity"


def test_enable_needs_two_consecutive_codes(home: Account) -> None:
    user = home.user()
    iam = home.client()
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-x")[
        "VirtualMFADevice"
    ]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode("ascii"))
    now = time.time()
    code, message = error_of(
        iam.enable_mfa_device,
        UserName=user.name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now),
        AuthenticationCode2=totp.at(now),
    )
    assert (code, message) == (
        "InvalidAuthenticationCode",
        "Authentication code for device is not valid.",
    )


def test_mfa_gated_trust_policy(home: Account, node: Node) -> None:
    user = home.user()
    serial, totp = enable_virtual_mfa(home, user)
    mfa_condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    role = home.role(
        trust({"AWS": user.arn}, Condition=mfa_condition),
        document(
            allow("iam:GetRole", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})
        ),
    )
    sts = user.client()
    code, _ = error_of(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="nomfa")
    assert code == "AccessDenied"
    code, message = error_of(
        sts.assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="wrong",
        SerialNumber=serial,
        TokenCode="000000" if totp.now() != "000000" else "111111",
    )
    assert (code, message) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    )
    # the enabling codes spent the current step; the next step's code is accepted already
    fresh = next_code(totp)
    answer = sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="withmfa", SerialNumber=serial, TokenCode=fresh
    )
    temporary_client(node, answer["Credentials"]).get_role(RoleName=role["RoleName"])
    code, message = error_of(  # a code is good once
        sts.assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="again",
        SerialNumber=serial,
        TokenCode=fresh,
    )
    assert (code, message) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    )
    other_user = home.user()
    code, message = error_of(
        other_user.client().assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="stolen",
        SerialNumber=serial,
        TokenCode=totp.now(),
    )
    assert code == "AccessDenied" and message.startswith("MultiFactorAuthentication failed, ")


def test_mfa_session_token_then_assume_role(home: Account, node: Node) -> None:
    """The classic flow: GetSessionToken with MFA, then AssumeRole into an MFA-gated role."""
    user = home.user(document(allow("iam:GetUser")))
    serial, totp = enable_virtual_mfa(home, user)
    mfa_condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    role = home.role(trust({"AWS": user.arn}, Condition=mfa_condition))
    creds = user.client().get_session_token(SerialNumber=serial, TokenCode=next_code(totp))[
        "Credentials"
    ]
    temporary_client(node, creds).get_user(UserName=user.name)  # IAM: allowed with MFA
    answer = temporary_client(node, creds, "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="mfa-chain"
    )
    assert answer["AssumedRoleUser"]["Arn"].endswith("/mfa-chain")


def test_list_virtual_mfa_devices_filters_and_pages(home: Account, start_node: Any) -> None:
    node = start_node()  # a fresh account: exactly the devices made here
    root = node.client("iam")
    for name in ("dev-a", "dev-b", "dev-c"):
        root.create_virtual_mfa_device(VirtualMFADeviceName=name)
    user = root.create_user(UserName="owner")["User"]
    serial = f"arn:aws:iam::{ACCOUNT_ID}:mfa/dev-b"
    for device in root.list_virtual_mfa_devices()["VirtualMFADevices"]:
        assert "Base32StringSeed" not in device  # the seed is shown once, at creation
    first = root.list_virtual_mfa_devices(MaxItems=2)
    assert [d["SerialNumber"].rsplit("/", 1)[1] for d in first["VirtualMFADevices"]] == [
        "dev-a",
        "dev-b",
    ]
    assert first["IsTruncated"] is True
    rest = root.list_virtual_mfa_devices(MaxItems=2, Marker=first["Marker"])
    assert [d["SerialNumber"] for d in rest["VirtualMFADevices"]] == [
        f"arn:aws:iam::{ACCOUNT_ID}:mfa/dev-c"
    ]
    assert rest["IsTruncated"] is False
    # enabling needs the seed, which only CreateVirtualMFADevice shows
    made = root.create_virtual_mfa_device(VirtualMFADeviceName="dev-d")["VirtualMFADevice"]
    totp = pyotp.TOTP(made["Base32StringSeed"].decode("ascii"))
    now = time.time()
    root.enable_mfa_device(
        UserName="owner",
        SerialNumber=made["SerialNumber"],
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    assigned = root.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [(d["SerialNumber"], d["User"]["UserName"]) for d in assigned] == [
        (made["SerialNumber"], user["UserName"])
    ]
    unassigned = root.list_virtual_mfa_devices(AssignmentStatus="Unassigned")
    assert serial in [d["SerialNumber"] for d in unassigned["VirtualMFADevices"]]
    assert len(unassigned["VirtualMFADevices"]) == 3


def test_a_code_races_once(home: Account) -> None:
    """Concurrent AssumeRole calls with one code: exactly one is accepted."""
    user = home.user()
    serial, totp = enable_virtual_mfa(home, user)
    role = home.role(trust({"AWS": user.arn}))
    code = next_code(totp)
    clients = [user.client() for _ in range(4)]

    def attempt(sts: Any) -> str:
        try:
            sts.assume_role(
                RoleArn=role["Arn"], RoleSessionName="race", SerialNumber=serial, TokenCode=code
            )
            return "ok"
        except ClientError as error:
            return str(error.response["Error"]["Message"])

    with ThreadPoolExecutor(len(clients)) as pool:
        outcomes = sorted(pool.map(attempt, clients))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} == {
        "MultiFactorAuthentication failed with invalid MFA one time pass code. "
    }


def test_mfa_device_tags_and_resync(home: Account) -> None:
    user = home.user()
    iam = home.client()
    serial, totp = enable_virtual_mfa(home, user)
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "Team", "Value": "a"}])
    iam.tag_mfa_device(
        SerialNumber=serial, Tags=[{"Key": "team", "Value": "b"}, {"Key": "cost", "Value": "1"}]
    )
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [
        {"Key": "team", "Value": "b"},
        {"Key": "cost", "Value": "1"},
    ]
    first = iam.list_mfa_device_tags(SerialNumber=serial, MaxItems=1)
    assert first["IsTruncated"] and first["Tags"] == [{"Key": "team", "Value": "b"}]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["TEAM"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "cost", "Value": "1"}]
    missing = f"arn:aws:iam::{ACCOUNT_ID}:mfa/no-such-device"
    assert error_of(iam.list_mfa_device_tags, SerialNumber=missing)[0] == "NoSuchEntity"

    now = time.time()
    code, message = error_of(
        iam.resync_mfa_device,
        UserName=user.name,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now + 60),
        AuthenticationCode2=totp.at(now + 30),
    )
    assert (code, message) == (
        "InvalidAuthenticationCode",
        "Authentication code for device is not valid.",
    )
    iam.resync_mfa_device(
        UserName=user.name,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now + 30),
        AuthenticationCode2=totp.at(now + 60),
    )
    # the resynchronising codes are spent: the step after them is the next good one
    role = home.role(trust({"AWS": user.arn}))
    code, _ = error_of(
        user.client().assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="spent",
        SerialNumber=serial,
        TokenCode=totp.at(now + 30),
    )
    assert code == "AccessDenied"


def test_trust_policy_conditions_on_passed_tags(home: Account) -> None:
    """id_session-tags.md: aws:RequestTag and sts:TransitiveTagKeys in the trust policy."""
    user = home.user()
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"},
        {
            "Effect": "Allow",
            "Principal": {"AWS": user.arn},
            "Action": "sts:TagSession",
            "Condition": {
                "StringEquals": {"aws:RequestTag/team": "blue"},
                "ForAllValues:StringEquals": {"sts:TransitiveTagKeys": ["team"]},
            },
        },
    ]
    role = home.role(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    sts = user.client()
    sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="blue",
        Tags=[{"Key": "team", "Value": "blue"}],
        TransitiveTagKeys=["team"],
    )
    for tags, transitive in (
        ([{"Key": "team", "Value": "red"}], []),
        ([{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "1"}], ["cost"]),
    ):
        code, message = error_of(
            sts.assume_role,
            RoleArn=role["Arn"],
            RoleSessionName="other",
            Tags=tags,
            TransitiveTagKeys=transitive,
        )
        assert (code, message) == (
            "AccessDenied",
            f"User: {user.arn} is not authorized to perform: sts:TagSession on resource: "
            f"{role['Arn']}",
        )
