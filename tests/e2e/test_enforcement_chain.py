"""The whole chain with real STS credentials: a user of one account assumes a role of another;
the session can do exactly what the role's policies, its boundary and the session policy allow
(each denial with its reason), and revoking older sessions stops it at once."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from sessions import mint_role_session
from sts_helpers import Account, allow, document, new_account, temporary_client, trust

from harness import ACCOUNT_ID, BIN, ROOT_KEY_ID, ROOT_SECRET, Node, Server

BOUNDARY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


@pytest.fixture(scope="module")
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


@pytest.fixture(scope="module")
def other(node: Node) -> Account:
    return new_account(node)


def error(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**params)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_cross_account_session_has_exactly_the_roles_permissions(
    home: Account, other: Account, node: Node
) -> None:
    role = home.role(
        trust({"AWS": other.account_id}),
        document(
            allow(["iam:Get*", "iam:List*", "iam:CreateRole"]),
            {"Effect": "Deny", "Action": "iam:GetRolePolicy", "Resource": "*"},
        ),
        PermissionsBoundary=BOUNDARY,
    )
    user = other.user(document(allow("sts:AssumeRole", role["Arn"])))
    answer = user.client().assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="chain",
        DurationSeconds=900,
        Policy=document(allow(["iam:GetRole", "iam:GetRolePolicy", "iam:CreateRole"])),
    )
    session_arn = answer["AssumedRoleUser"]["Arn"]
    iam = temporary_client(node, answer["Credentials"])
    name = role["RoleName"]
    assert iam.get_role(RoleName=name)["Role"]["Arn"] == role["Arn"]

    def denied(action: str, resource: str, reason: str) -> tuple[str, str]:
        return (
            "AccessDenied",
            f"User: {session_arn} is not authorized to perform: {action} on resource: "
            f"{resource} {reason}",
        )

    role_of = f"arn:aws:iam::{ACCOUNT_ID}:role/"
    assert error(iam.list_role_policies, RoleName=name) == denied(
        "iam:ListRolePolicies",
        role["Arn"],
        "because no session policy allows the iam:ListRolePolicies action",
    )
    assert error(iam.get_role_policy, RoleName=name, PolicyName="p0") == denied(
        "iam:GetRolePolicy", role["Arn"], "with an explicit deny in an identity-based policy"
    )
    assert error(
        iam.create_role, RoleName="made-by-session", AssumeRolePolicyDocument=trust({"AWS": "*"})
    ) == denied(
        "iam:CreateRole",
        role_of + "made-by-session",
        "because no permissions boundary allows the iam:CreateRole action",
    )
    # The session's identity is the assumed role, whatever the calling user may do at home.
    identity = temporary_client(node, answer["Credentials"], "sts").get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (ACCOUNT_ID, session_arn)


def test_revoking_older_sessions_of_a_role(home: Account, node: Node) -> None:
    role = home.role(trust({"AWS": ACCOUNT_ID}), document(allow("iam:GetRole")))
    user = home.user(document(allow("sts:AssumeRole", role["Arn"])))

    def assume() -> dict[str, Any]:
        answer = user.client().assume_role(
            RoleArn=role["Arn"], RoleSessionName="old", DurationSeconds=900
        )
        return dict(answer["Credentials"])

    old = assume()
    temporary_client(node, old).get_role(RoleName=role["RoleName"])
    # Revoke every session issued before the second after this one was.
    issued = old["Expiration"] - timedelta(seconds=900)
    cutoff = issued.replace(microsecond=0) + timedelta(seconds=1)
    home.client().put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=document(
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {
                    "DateLessThan": {"aws:TokenIssueTime": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")}
                },
            }
        ),
    )
    code, message = error(temporary_client(node, old).get_role, RoleName=role["RoleName"])
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in an identity-based policy")
    while time.time() < cutoff.timestamp():
        time.sleep(0.1)
    new = assume()
    assert temporary_client(node, new).get_role(RoleName=role["RoleName"])["Role"]


def test_the_aws_cli_sees_the_same_answers(home: Account, server: Server) -> None:
    role = home.role(trust({"AWS": ACCOUNT_ID}), document(allow("iam:GetRole")))
    creds = mint_role_session(server, role, "cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=creds.access_key_id,
        AWS_SECRET_ACCESS_KEY=creds.secret_access_key,
        AWS_SESSION_TOKEN=creds.session_token,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )

    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(BIN / "aws"), "--endpoint-url", server.endpoint, "--output", "json"]
        return subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, timeout=120
        )

    done = aws("iam", "get-role", "--role-name", role["RoleName"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Role"]["Arn"] == role["Arn"]
    done = aws("iam", "delete-role", "--role-name", role["RoleName"])
    assert done.returncode != 0
    assert done.stderr.strip() == (
        "An error occurred (AccessDenied) when calling the DeleteRole operation: "
        f"User: {creds.arn} is not authorized to perform: iam:DeleteRole on resource: "
        f"{role['Arn']} because no identity-based policy allows the iam:DeleteRole action"
    )


def test_mfa_conditions_for_a_user(home: Account, node: Node) -> None:
    """The classic "deny unless MFA" policy: BoolIfExists on aws:MultiFactorAuthPresent denies
    long-term keys (key absent) and plain session tokens, and allows MFA session tokens; plain
    session tokens cannot call IAM at all (IAM's text has no final period)."""
    user = home.user(
        document(
            allow(["iam:GetUser", "iam:ListUsers"]),
            {
                "Effect": "Deny",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        )
    )
    iam = user.client("iam")
    iam.get_user(UserName=user.name)
    assert error(iam.list_users) == (
        "AccessDenied",
        f"User: {user.arn} is not authorized to perform: iam:ListUsers on resource: "
        f"arn:aws:iam::{ACCOUNT_ID}:user/ with an explicit deny in an identity-based policy",
    )
    plain = user.client().get_session_token()["Credentials"]
    assert error(temporary_client(node, plain).get_user, UserName=user.name) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid",
    )
    device = home.client().create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-m")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    totp = pyotp.TOTP(device["VirtualMFADevice"]["Base32StringSeed"].decode("ascii"))
    now = time.time()
    home.client().enable_mfa_device(  # two past steps, so the current one is still unused
        UserName=user.name,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now - 60),
        AuthenticationCode2=totp.at(now - 30),
    )
    mfa = user.client().get_session_token(SerialNumber=serial, TokenCode=totp.now())["Credentials"]
    assert temporary_client(node, mfa).list_users()["Users"]


def test_explicit_denies_name_their_policy_type(home: Account, node: Node) -> None:
    """A Deny in the permissions boundary or in the session policy is named as such."""
    iam = home.client()
    boundary_doc = document(
        allow("iam:*"), {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"}
    )
    name = f"deny-boundary-{time.time_ns()}"
    boundary = iam.create_policy(PolicyName=name, PolicyDocument=boundary_doc)["Policy"]["Arn"]
    role = home.role(
        trust({"AWS": ACCOUNT_ID}), document(allow("iam:*")), PermissionsBoundary=boundary
    )
    bounded = mint_role_session(node, role, "b")
    assert error(bounded.client(node).list_roles) == (
        "AccessDenied",
        f"User: {bounded.arn} is not authorized to perform: iam:ListRoles on resource: "
        f"arn:aws:iam::{ACCOUNT_ID}:role/ with an explicit deny in a permissions boundary",
    )
    narrowed = mint_role_session(
        node,
        role,
        "s",
        session_policy=document(
            allow("iam:*"), {"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"}
        ),
    )
    assert error(narrowed.client(node).get_role, RoleName=role["RoleName"]) == (
        "AccessDenied",
        f"User: {narrowed.arn} is not authorized to perform: iam:GetRole on resource: "
        f"{role['Arn']} with an explicit deny in a session policy",
    )
