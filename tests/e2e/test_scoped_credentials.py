"""GetScopedCredentials: a session narrowed by scope-down layers (each must allow), shortened,
same identity; refused to long-term keys; dies with its role."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_helpers import Account, User, allow, delete_role, document, temporary_client, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Node

TOO_MANY = "A maximum of 3 scope down policy layers are allowed per session."
NOT_TEMPORARY = "GetScopedCredentials can only be called with temporary security credentials."


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def error_of(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def role_session(
    home: Account, *actions: str, duration: int = 3600, **assume: Any
) -> tuple[dict[str, Any], dict[str, Any], User]:
    """(role, AssumeRole answer, the assuming user) of a role allowed ``actions``."""
    role = home.role(
        trust({"AWS": ACCOUNT_ID}, ["sts:AssumeRole", "sts:SetSourceIdentity"]),
        document(allow(list(actions))),
    )
    user = home.user(document(allow(["sts:AssumeRole", "sts:SetSourceIdentity"], role["Arn"])))
    answer = user.client().assume_role(
        RoleArn=role["Arn"], RoleSessionName="worker", DurationSeconds=duration, **assume
    )
    return role, answer, user


def scope(node: Node, credentials: dict[str, Any], **kw: Any) -> dict[str, Any]:
    answer: dict[str, Any] = temporary_client(node, credentials, "sts").get_scoped_credentials(**kw)
    return answer


def test_a_scoped_role_session_keeps_its_identity_and_loses_what_the_scope_omits(
    home: Account, node: Node
) -> None:
    role, assumed, _ = role_session(
        home, "iam:GetRole", "iam:ListRoles", SourceIdentity="alice-src"
    )
    parent = assumed["Credentials"]
    answer = scope(node, parent, Policy=document(allow("iam:GetRole")))
    scoped = answer["Credentials"]
    assert scoped["AccessKeyId"].startswith("ASIA")
    assert scoped["AccessKeyId"] != parent["AccessKeyId"]
    assert scoped["Expiration"] == parent["Expiration"]  # no DurationSeconds: the caller's expiry
    assert answer["SessionInfo"] == {
        "ScopedSessionId": assumed["AssumedRoleUser"]["AssumedRoleId"],
        "Arn": assumed["AssumedRoleUser"]["Arn"],
    }
    assert answer["ScopedPoliciesCount"] == 1
    assert answer["SourceIdentity"] == "alice-src"
    assert answer["SessionTokenSize"] == len(scoped["SessionToken"])
    padded = scope(node, parent, DurationSeconds=900, MinimumSessionTokenSize=4096)
    assert padded["SessionTokenSize"] == len(padded["Credentials"]["SessionToken"]) >= 4096
    assert temporary_client(node, padded["Credentials"]).get_role(RoleName=role["RoleName"])
    assert 0 < answer["SessionTokenUtilization"] <= 100
    identity = temporary_client(node, scoped, "sts").get_caller_identity()
    assert identity["Arn"] == assumed["AssumedRoleUser"]["Arn"]
    iam = temporary_client(node, scoped)
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]
    code, message = error_of(iam.list_roles)
    assert code == "AccessDenied"
    assert message == (
        f"User: {identity['Arn']} is not authorized to perform: iam:ListRoles on resource: "
        f"arn:aws:iam::{ACCOUNT_ID}:role/ because no session policy allows the iam:ListRoles "
        "action"
    )
    # a scope cannot add what the session lacks; the calling session keeps all it had
    wider = scope(node, parent, Policy=document(allow(["iam:GetUser", "iam:GetRole"])))
    code, _ = error_of(temporary_client(node, wider["Credentials"]).get_user, UserName="x")
    assert code == "AccessDenied"
    assert temporary_client(node, parent).list_roles()["Roles"]


def test_three_layers_intersect_and_a_fourth_is_refused(home: Account, node: Node) -> None:
    role, assumed, _ = role_session(home, "iam:GetRole", "iam:ListRoles", "iam:ListUsers")
    first = scope(
        node,
        assumed["Credentials"],
        Policy=document(allow(["iam:GetRole", "iam:ListRoles", "iam:ListUsers"])),
    )
    second = scope(
        node, first["Credentials"], Policy=document(allow(["iam:GetRole", "iam:ListRoles"]))
    )
    assert second["ScopedPoliciesCount"] == 2
    # the second layer omits ListUsers though the first allows it
    code, _ = error_of(temporary_client(node, second["Credentials"]).list_users)
    assert code == "AccessDenied"
    temporary_client(node, second["Credentials"]).list_roles()
    # an explicit deny in a layer
    third = scope(
        node,
        second["Credentials"],
        Policy=document(
            allow(["iam:GetRole", "iam:ListUsers"]), {**allow("iam:ListRoles"), "Effect": "Deny"}
        ),
    )
    assert third["ScopedPoliciesCount"] == 3
    iam = temporary_client(node, third["Credentials"])
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["RoleName"] == role["RoleName"]
    code, message = error_of(iam.list_roles)
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in a session policy")
    code, message = error_of(
        temporary_client(node, third["Credentials"], "sts").get_scoped_credentials,
        Policy=document(allow("iam:GetRole")),
    )
    assert (code, message) == ("AccessDenied", TOO_MANY)
    # a fourth call that only shortens adds no layer
    shorter = scope(node, third["Credentials"], DurationSeconds=600)
    assert shorter["ScopedPoliciesCount"] == 3
    code, _ = error_of(temporary_client(node, shorter["Credentials"]).list_users)
    assert code == "AccessDenied"


def test_durations(home: Account, node: Node) -> None:
    _, assumed, _ = role_session(home, "iam:GetRole", duration=900)
    parent = assumed["Credentials"]
    started = datetime.now(UTC)
    short = scope(node, parent, DurationSeconds=60)
    assert abs(short["Credentials"]["Expiration"] - started - timedelta(seconds=60)) < (
        timedelta(seconds=5)
    )
    assert short["ScopedPoliciesCount"] == 0
    code, message = error_of(
        temporary_client(node, parent, "sts").get_scoped_credentials, DurationSeconds=3600
    )
    assert code == "InsufficientSessionLifetime"
    assert "remaining lifetime" in message
    # nor can a scoped session outlive the one it came from
    code, _ = error_of(
        temporary_client(node, short["Credentials"], "sts").get_scoped_credentials,
        DurationSeconds=120,
    )
    assert code == "InsufficientSessionLifetime"
    code, message = error_of(temporary_client(node, parent, "sts").get_scoped_credentials)
    assert (code, message) == (
        "ValidationError",
        "1 validation error detected: At least one of Policy or DurationSeconds must be specified.",
    )
    for bad in ({"DurationSeconds": 0}, {"DurationSeconds": 129_601}):
        code, _ = error_of(temporary_client(node, parent, "sts").get_scoped_credentials, **bad)
        assert code == "ValidationError"
    code, _ = error_of(
        temporary_client(node, parent, "sts").get_scoped_credentials,
        DurationSeconds=60,
        MinimumSessionTokenSize=4097,
    )
    assert code == "ValidationError"


def test_long_term_keys_are_refused_and_other_sessions_accepted(home: Account, node: Node) -> None:
    user = home.user(document(allow("iam:GetUser")))
    for client in (user.client(), home.client("sts")):
        code, message = error_of(client.get_scoped_credentials, DurationSeconds=900)
        assert (code, message) == ("InvalidSubjectCredentials", NOT_TEMPORARY)
    # GetSessionToken credentials (then scoped: the identity stays the user's)
    token = user.client().get_session_token()["Credentials"]
    scoped = scope(node, token, Policy=document(allow("iam:GetUser")))
    assert scoped["SessionInfo"]["Arn"] == user.arn
    who = temporary_client(node, scoped["Credentials"], "sts").get_caller_identity()
    assert (who["Arn"], who["UserId"]) == (user.arn, user.user_id)
    # the layer narrows the user's session too: AssumeRole needs it to allow sts:AssumeRole
    role = home.role(trust({"AWS": ACCOUNT_ID}))
    assumer = home.user(document(allow("sts:AssumeRole", role["Arn"])))
    token = assumer.client().get_session_token()["Credentials"]
    temporary_client(node, token, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    narrowed = scope(node, token, Policy=document(allow("iam:GetUser")))["Credentials"]
    code, message = error_of(
        temporary_client(node, narrowed, "sts").assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="s1",
    )
    assert code == "AccessDenied"
    assert message == (
        f"User: {assumer.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role['Arn']}"
    )
    # a federated user's
    fed_user = home.user(document(allow(["sts:GetFederationToken", "iam:GetUser"])))
    federated = fed_user.client().get_federation_token(
        Name="fed", Policy=document(allow("iam:GetUser"))
    )
    scoped = scope(node, federated["Credentials"], DurationSeconds=900)
    assert scoped["SessionInfo"]["Arn"] == federated["FederatedUser"]["Arn"]
    # the root user's own session is refused as well
    root_token = home.client("sts").get_session_token()["Credentials"]
    code, _ = error_of(
        temporary_client(node, root_token, "sts").get_scoped_credentials, DurationSeconds=60
    )
    assert code == "InvalidSubjectCredentials"


def test_bad_policies(home: Account, node: Node) -> None:
    _, assumed, _ = role_session(home, "iam:GetRole")
    sts = temporary_client(node, assumed["Credentials"], "sts")
    code, _ = error_of(sts.get_scoped_credentials, Policy="{not json")
    assert code == "MalformedPolicyDocument"
    code, _ = error_of(
        sts.get_scoped_credentials,
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}),
    )
    assert code == "MalformedPolicyDocument"
    code, _ = error_of(sts.get_scoped_credentials, Policy="x" * 2049)
    assert code == "ValidationError"


def test_a_scoped_session_dies_with_its_role(home: Account, node: Node) -> None:
    role, assumed, _ = role_session(home, "iam:GetRole")
    scoped = scope(node, assumed["Credentials"], Policy=document(allow("iam:GetRole")))
    sts = temporary_client(node, scoped["Credentials"], "sts")
    assert sts.get_caller_identity()["Arn"] == assumed["AssumedRoleUser"]["Arn"]
    delete_role(home, role)
    code, _ = error_of(sts.get_caller_identity)
    assert code == "InvalidClientTokenId"


def test_a_revoked_session_stays_revoked_when_scoped(home: Account, node: Node) -> None:
    """Revocation denies sessions by aws:TokenIssueTime; scoped credentials keep the calling
    session's issue time, so a revoked session cannot shed its revocation by scoping."""
    role, assumed, _ = role_session(home, "iam:GetRole")
    time.sleep(1)  # revoke what was issued before a whole second after the session ...
    cutoff = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)  # ... and scope it after that second
    revoke = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
    }
    home.client().put_role_policy(
        RoleName=role["RoleName"], PolicyName="revoke", PolicyDocument=document(revoke)
    )
    scoped = scope(node, assumed["Credentials"], Policy=document(allow("iam:GetRole")))
    for credentials in (assumed["Credentials"], scoped["Credentials"]):
        code, message = error_of(
            temporary_client(node, credentials).get_role, RoleName=role["RoleName"]
        )
        assert code == "AccessDenied"
        assert "with an explicit deny in an identity-based policy" in message
