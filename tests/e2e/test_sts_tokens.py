"""Temporary credentials themselves: GetSessionToken, GetFederationToken, expired, tampered and
misused tokens, and an AWS CLI profile that assumes a role by itself (role_arn +
source_profile)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sessions import mint_role_session
from sts_helpers import Account, allow, document, temporary_client, trust

from harness import ACCOUNT_ID, BIN, REGION, ROOT_KEY_ID, ROOT_SECRET, Node, Server

INVALID = "The security token included in the request is invalid."
INVALID_IAM = "The security token included in the request is invalid"  # IAM: no full stop
EXPIRED = "The security token included in the request is expired"


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def error_of(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


# --- GetSessionToken ------------------------------------------------------------------------------
def test_get_session_token_acts_as_the_user(home: Account, node: Node) -> None:
    user = home.user(document(allow("iam:GetUser")))
    started = datetime.now(UTC)
    creds = user.client().get_session_token()["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert abs((creds["Expiration"] - started - timedelta(hours=12)).total_seconds()) < 5
    identity = temporary_client(node, creds, "sts").get_caller_identity()
    assert (identity["UserId"], identity["Arn"]) == (user.user_id, user.arn)
    # without MFA, GetSessionToken credentials cannot call IAM (id_credentials_temp_request.md)
    code, _ = error_of(temporary_client(node, creds).get_user, UserName=user.name)
    assert code == "InvalidClientTokenId"
    code, message = error_of(temporary_client(node, creds, "sts").get_session_token)
    assert (code, message) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
    )


def test_session_token_credentials_call_no_other_sts_operation(home: Account, node: Node) -> None:
    """GetSessionToken credentials call STS only for AssumeRole and GetCallerIdentity
    (id_credentials_temp_request.md), even when the user's policies allow more."""
    user = home.user(document(allow("sts:*")))
    creds = user.client().get_session_token()["Credentials"]
    sts = temporary_client(node, creds, "sts")
    for call, action, params in (
        (sts.get_access_key_info, "GetAccessKeyInfo", {"AccessKeyId": ROOT_KEY_ID}),
        (
            sts.decode_authorization_message,
            "DecodeAuthorizationMessage",
            {"EncodedMessage": "x" * 20},
        ),
    ):
        code, message = error_of(call, **params)
        assert (code, message) == (
            "AccessDenied",
            f"User: {user.arn} is not authorized to perform: sts:{action}",
        )
    # the user's own long-term key may call both
    assert user.client().get_access_key_info(AccessKeyId=ROOT_KEY_ID)["Account"] == ACCOUNT_ID


def test_root_session_tokens_last_one_hour_at_most(home: Account, node: Node) -> None:
    started = datetime.now(UTC)
    creds = home.client("sts").get_session_token(DurationSeconds=7200)["Credentials"]
    assert creds["Expiration"] - started <= timedelta(hours=1, seconds=2)
    identity = temporary_client(node, creds, "sts").get_caller_identity()
    assert (identity["UserId"], identity["Arn"]) == (ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:root")


def test_session_token_credentials_assume_roles_as_a_chain(home: Account, node: Node) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), MaxSessionDuration=7200)
    creds = user.client().get_session_token()["Credentials"]
    code, _ = error_of(
        temporary_client(node, creds, "sts").assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="chain",
        DurationSeconds=7200,
    )
    assert code == "ValidationError"
    temporary_client(node, creds, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ok")


# --- GetFederationToken ---------------------------------------------------------------------------
def test_federation_token(home: Account, node: Node) -> None:
    user = home.user(document(allow(["sts:GetFederationToken", "iam:GetUser", "iam:ListUsers"])))
    answer = user.client().get_federation_token(
        Name="bob", Policy=document(allow("iam:GetUser")), DurationSeconds=900
    )
    arn = f"arn:aws:sts::{ACCOUNT_ID}:federated-user/bob"
    assert answer["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT_ID}:bob", "Arn": arn}
    assert 0 < answer["PackedPolicySize"] <= 100
    creds = answer["Credentials"]
    identity = temporary_client(node, creds, "sts").get_caller_identity()
    assert (identity["UserId"], identity["Arn"]) == (f"{ACCOUNT_ID}:bob", arn)
    # federated users call no IAM operation at all (id_credentials_temp_request.md)
    code, _ = error_of(temporary_client(node, creds).get_user, UserName=user.name)
    assert code == "InvalidClientTokenId"


def test_federation_token_needs_permission(home: Account) -> None:
    user = home.user()
    code, message = error_of(user.client().get_federation_token, Name="bob")
    assert (code, message) == (
        "AccessDenied",
        f"User: {user.arn} is not authorized to perform: sts:GetFederationToken on resource: "
        f"arn:aws:sts::{ACCOUNT_ID}:federated-user/bob because no identity-based policy allows "
        "the sts:GetFederationToken action",
    )


# --- bad tokens ----------------------------------------------------------------------------------
def role_for_tokens(home: Account) -> dict[str, Any]:
    return home.role(trust({"AWS": ACCOUNT_ID}), document(allow("iam:GetRole")))


def test_expired_credentials(home: Account, node: Node) -> None:
    role = role_for_tokens(home)
    past = datetime.now(UTC) - timedelta(hours=2)
    creds = mint_role_session(node, role, issued_at=past, lifetime=timedelta(hours=1))
    # 403 on IAM and STS: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    for call, kw in (
        (creds.client(node).get_role, {"RoleName": role["RoleName"]}),
        (creds.client(node, "sts").get_caller_identity, {}),
    ):
        with pytest.raises(ClientError) as info:
            call(**kw)
        error, metadata = info.value.response["Error"], info.value.response["ResponseMetadata"]
        assert (error["Code"], metadata["HTTPStatusCode"], error["Message"]) == (
            "ExpiredToken",
            403,
            EXPIRED,
        )


def test_tampered_and_misused_tokens(home: Account, node: Node) -> None:
    role = role_for_tokens(home)
    good = mint_role_session(node, role)
    good.client(node).get_role(RoleName=role["RoleName"])
    flipped = good.session_token[:40] + ("A" if good.session_token[40] != "A" else "B")
    tampered = node.client(
        "iam",
        good.access_key_id,
        good.secret_access_key,
        aws_session_token=flipped + good.session_token[41:],
    )
    assert error_of(tampered.get_role, RoleName=role["RoleName"]) == (
        "InvalidClientTokenId",
        INVALID_IAM,
    )
    tampered_sts = node.client(
        "sts",
        good.access_key_id,
        good.secret_access_key,
        aws_session_token=flipped + good.session_token[41:],
    )
    assert error_of(tampered_sts.get_caller_identity) == ("InvalidClientTokenId", INVALID)
    other = mint_role_session(node, role)
    swapped = node.client(
        "iam", other.access_key_id, other.secret_access_key, aws_session_token=good.session_token
    )
    assert error_of(swapped.get_role, RoleName=role["RoleName"]) == (
        "InvalidClientTokenId",
        INVALID_IAM,
    )
    wrong_secret = node.client(
        "iam", good.access_key_id, other.secret_access_key, aws_session_token=good.session_token
    )
    assert error_of(wrong_secret.get_role, RoleName=role["RoleName"])[0] == "SignatureDoesNotMatch"
    long_term_with_token = node.client(
        "iam", ROOT_KEY_ID, ROOT_SECRET, aws_session_token=good.session_token
    )
    assert error_of(long_term_with_token.list_roles)[0] == "InvalidClientTokenId"


# --- the AWS CLI ---------------------------------------------------------------------------------
def test_cli_profile_assumes_the_role_by_itself(
    home: Account, server: Server, tmp_path: Path
) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetRole")))
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\n"
        f"region = {REGION}\n"
        "[profile target]\n"
        f"role_arn = {role['Arn']}\n"
        "source_profile = base\n"
        "role_session_name = cli-session\n"
        f"region = {REGION}\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[base]\naws_access_key_id = {user.key_id}\naws_secret_access_key = {user.secret}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_ENDPOINT_URL=server.endpoint,  # also reaches the CLI's own AssumeRole call
    )

    def aws(*args: str) -> Any:
        done = subprocess.run(
            [str(BIN / "aws"), "--profile", "target", "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    identity = aws("sts", "get-caller-identity")
    assert identity["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/cli-session"
    )
    assert aws("iam", "get-role", "--role-name", role["RoleName"])["Role"]["Arn"] == role["Arn"]


def test_federated_users_cannot_assume_roles(home: Account, node: Node) -> None:
    user = home.user(document(allow(["sts:GetFederationToken", "sts:AssumeRole"])))
    role = home.role(trust({"AWS": ACCOUNT_ID}))
    creds = user.client().get_federation_token(
        Name="fed", Policy=document(allow("sts:AssumeRole"))
    )["Credentials"]
    code, message = error_of(
        temporary_client(node, creds, "sts").assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="fed",
    )
    assert (code, message) == (
        "AccessDenied",
        f"User: arn:aws:sts::{ACCOUNT_ID}:federated-user/fed is not authorized to perform: "
        f"sts:AssumeRole on resource: {role['Arn']}",
    )


def test_get_access_key_info(home: Account) -> None:
    sts = home.client("sts")
    assert sts.get_access_key_info(AccessKeyId=ROOT_KEY_ID)["Account"] == ACCOUNT_ID
    user = home.user()
    assert sts.get_access_key_info(AccessKeyId=user.key_id)["Account"] == ACCOUNT_ID
    code, message = error_of(user.client().get_access_key_info, AccessKeyId=ROOT_KEY_ID)
    assert (code, message) == (
        "AccessDenied",
        f"User: {user.arn} is not authorized to perform: sts:GetAccessKeyInfo because no "
        "identity-based policy allows the sts:GetAccessKeyInfo action",
    )


def test_permissive_mode_takes_made_up_tokens_as_root(start_node: Any) -> None:
    """Emulator clients (moto and LocalStack users) send any key with any token."""
    srv = start_node(auth="permissive")
    made_up = srv.client("sts", "ASIAMADEUPMADEUPMADE", "secret", aws_session_token="testing")
    identity = made_up.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    # real temporary credentials of that server still resolve to their session
    root = srv.client("iam")
    role = root.create_role(
        RoleName="permissive-role",
        AssumeRolePolicyDocument=trust({"AWS": ACCOUNT_ID}),
    )["Role"]
    root.create_user(UserName="permissive-user")
    root.put_user_policy(
        UserName="permissive-user",
        PolicyName="assume",
        PolicyDocument=document(allow("sts:AssumeRole", role["Arn"])),
    )
    key = root.create_access_key(UserName="permissive-user")["AccessKey"]
    sts = srv.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="real")["Credentials"]
    session = temporary_client(srv, creds, "sts").get_caller_identity()
    assert session["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/permissive-role/real"


def test_credentials_from_one_node_work_on_another_and_revocation_follows(
    two_nodes: tuple[Node, Node],
) -> None:
    first, second = two_nodes
    home = Account(first, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetRole")))
    creds = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="roaming")["Credentials"]
    on_second = temporary_client(second, creds)
    assert on_second.get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]
    time.sleep(1.1)  # the revocation time is to the second: make it later than the issue
    revoke_after = datetime.now(UTC)
    first.client("iam").put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=document(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "DateLessThan": {
                        "aws:TokenIssueTime": revoke_after.strftime("%Y-%m-%dT%H:%M:%SZ")
                    }
                },
            }
        ),
    )
    code, message = error_of(on_second.get_role, RoleName=role["RoleName"])
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in an identity-based policy")
    time.sleep(1.1)  # a session issued after the revocation time is not revoked
    fresh = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="after")
    temporary_client(second, fresh["Credentials"]).get_role(RoleName=role["RoleName"])
