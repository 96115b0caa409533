"""User operations called with temporary credentials: a role session has no user of its own, so
calls that may leave out ``UserName`` need it; a user's key keeps recording its last use when the
user assumes a role."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sts_helpers import Account, allow, document, temporary_client, trust

from harness import ACCOUNT_ID, REGION, ROOT_KEY_ID, ROOT_SECRET, Server

NON_USER = "Must specify userName when calling with non-User credentials"


@pytest.fixture
def home(server: Server) -> Account:
    return Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def test_a_role_session_must_name_the_user(home: Account, server: Server) -> None:
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:*")))
    creds = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ops")["Credentials"]
    session_iam = temporary_client(server, creds, "iam")
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
