"""User operations called with temporary credentials: a role session has no user of its own, so
calls that may leave out ``UserName`` need it; a user's key keeps recording its last use when the
user assumes a role."""

from __future__ import annotations

import time

import pyotp
import pytest
from botocore.exceptions import ClientError
from sts_helpers import Account, allow, document, temporary_client, trust

from harness import ACCOUNT_ID, REGION, ROOT_KEY_ID, ROOT_SECRET, Node

NON_USER = "Must specify userName when calling with non-User credentials"


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def test_a_role_session_must_name_the_user(home: Account, node: Node) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:*")))
    creds = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ops")["Credentials"]
    session_iam = temporary_client(node, creds, "iam")
    for call in (
        session_iam.get_user,
        session_iam.create_access_key,
        session_iam.list_access_keys,
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        error = excinfo.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "ValidationError",
            400,
        )
        assert error["Error"]["Message"] == NON_USER
    # naming the user works, with the role's permissions
    got = session_iam.get_user(UserName=user.name)["User"]
    assert (got["UserName"], got["Arn"]) == (user.name, user.arn)
    assert [
        k["AccessKeyId"]
        for k in session_iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"]
    ] == [user.key_id]


def test_assuming_a_role_records_the_users_key_as_used_by_sts(home: Account) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}))
    user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    last = home.client().get_access_key_last_used(AccessKeyId=user.key_id)
    assert last["UserName"] == user.name
    assert (last["AccessKeyLastUsed"]["ServiceName"], last["AccessKeyLastUsed"]["Region"]) == (
        "sts",
        REGION,
    )


def test_get_session_token_credentials_with_mfa_act_as_the_user(home: Account, node: Node) -> None:
    """GetSessionToken credentials are the user itself (GetUser with no name answers the user);
    without MFA they may call no IAM operation (InvalidClientTokenId, as IAM answers)."""
    user = home.user(document(allow("iam:GetUser", "arn:aws:iam::*:user/*")))
    iam = home.client()
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-mfa")[
        "VirtualMFADevice"
    ]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode("ascii"))
    now = time.time()
    iam.enable_mfa_device(
        UserName=user.name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 60),
        AuthenticationCode2=totp.at(now - 30),
    )
    with_mfa = user.client().get_session_token(
        SerialNumber=device["SerialNumber"], TokenCode=totp.at(now)
    )["Credentials"]
    me = temporary_client(node, with_mfa, "iam").get_user()["User"]
    assert (me["UserName"], me["Arn"], me["UserId"]) == (user.name, user.arn, user.user_id)
    without_mfa = user.client().get_session_token()["Credentials"]
    with pytest.raises(ClientError) as excinfo:
        temporary_client(node, without_mfa, "iam").get_user()
    assert excinfo.value.response["Error"]["Code"] == "InvalidClientTokenId"
