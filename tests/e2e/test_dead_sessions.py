# ruff: noqa: F811 - the fixtures imported from oidc_setup are parameters here
"""Temporary credentials die with their principal (issue 13, finding 3a).

A session is bound to the unique id of the user or role it acts for, not to its name: once that
user or role is deleted, the credentials are invalid (``InvalidClientTokenId``, STS's message
with a full stop, IAM's without), also after a new user or role of the same name is created with
more permissions, and GetCallerIdentity no longer vouches for them.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest
from oidc_issuer import Issuer
from oidc_setup import (  # noqa: F401 - fixtures
    OidcNode,
    federate,
    issuer,
    issuer_ca,
    oidc_node,
)
from policy_helpers import fails
from sts_helpers import (
    Account,
    User,
    allow,
    delete_role,
    delete_user,
    document,
    recreated_user,
    temporary_client,
    trust,
)
from test_assume_role_with_saml import KEY, make_idp

from saml_idp import signed_response

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Node

# STS's message ends with a full stop, IAM's does not (as AWS answers them)
IAM_INVALID = ("InvalidClientTokenId", 403, "The security token included in the request is invalid")
STS_INVALID = (*IAM_INVALID[:2], IAM_INVALID[2] + ".")
EVERYTHING = document(allow("*"))


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def mfa_session(home: Account, user: User) -> dict[str, Any]:
    """GetSessionToken credentials with MFA (without MFA they may call no IAM operation)."""
    iam = home.client()
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-mfa")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    totp = pyotp.TOTP(device["VirtualMFADevice"]["Base32StringSeed"].decode("ascii"))
    now = time.time()
    iam.enable_mfa_device(
        UserName=user.name,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now - 60),
        AuthenticationCode2=totp.at(now - 30),
    )
    answer = user.client().get_session_token(SerialNumber=serial, TokenCode=totp.at(now))
    return answer["Credentials"]  # type: ignore[no-any-return]


def test_get_session_token_credentials_die_with_their_user(home: Account, node: Node) -> None:
    user = home.user(document(allow("iam:GetUser")))
    credentials = mfa_session(home, user)
    iam = temporary_client(node, credentials, "iam")
    sts = temporary_client(node, credentials, "sts")
    assert iam.get_user()["User"]["UserId"] == user.user_id
    assert fails(iam.list_roles)[0] == "AccessDenied"
    assert sts.get_caller_identity()["UserId"] == user.user_id

    delete_user(home, user)
    assert fails(iam.get_user) == IAM_INVALID
    assert fails(sts.get_caller_identity) == STS_INVALID
    recreated_user(home, user, EVERYTHING)
    # the new user's permissions do not reach the old user's session
    assert fails(iam.list_roles) == IAM_INVALID
    assert fails(iam.get_user) == IAM_INVALID
    assert fails(sts.get_caller_identity) == STS_INVALID


def test_get_session_token_credentials_cannot_assume_as_the_new_user(
    home: Account, node: Node
) -> None:
    """Without MFA, GetSessionToken credentials may still call AssumeRole."""
    role = home.role(trust({"AWS": ACCOUNT_ID}))  # delegates to the caller's identity policies
    user = home.user()
    sts = temporary_client(node, user.client().get_session_token()["Credentials"], "sts")
    assert fails(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="ss")[0] == "AccessDenied"

    delete_user(home, user)
    recreated_user(home, user, document(allow("sts:AssumeRole")))
    assert fails(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="ss") == STS_INVALID
    assert fails(sts.get_caller_identity) == STS_INVALID


def test_federation_token_credentials_die_with_their_user(home: Account, node: Node) -> None:
    user = home.user(document(allow("sts:GetFederationToken")))
    answer = user.client().get_federation_token(Name="fed", Policy=EVERYTHING)
    sts = temporary_client(node, answer["Credentials"], "sts")
    iam = temporary_client(node, answer["Credentials"], "iam")
    me = sts.get_caller_identity()
    assert (me["UserId"], me["Arn"]) == (
        f"{ACCOUNT_ID}:fed",
        f"arn:aws:sts::{ACCOUNT_ID}:federated-user/fed",
    )

    delete_user(home, user)
    assert fails(sts.get_caller_identity) == STS_INVALID
    again = recreated_user(home, user, EVERYTHING)
    assert fails(sts.get_caller_identity) == STS_INVALID
    assert fails(iam.list_roles) == IAM_INVALID
    # the new user's own federated users are alive
    fresh = again.client().get_federation_token(Name="fed", Policy=EVERYTHING)["Credentials"]
    assert temporary_client(node, fresh, "sts").get_caller_identity()["Arn"] == me["Arn"]


def test_role_sessions_die_with_their_role(home: Account, node: Node) -> None:
    user = home.user()
    name = f"dies-{user.name}"
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetRole")), name=name)
    credentials = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="old")
    iam = temporary_client(node, credentials["Credentials"], "iam")
    sts = temporary_client(node, credentials["Credentials"], "sts")
    iam.get_role(RoleName=name)
    assert fails(iam.list_users)[0] == "AccessDenied"

    delete_role(home, role)
    assert fails(iam.get_role, RoleName=name) == IAM_INVALID
    again = home.role(trust({"AWS": user.arn}), EVERYTHING, name=name)
    assert again["Arn"] == role["Arn"] and again["RoleId"] != role["RoleId"]
    # the new role's permissions do not reach the old role's session ...
    assert fails(iam.list_users) == IAM_INVALID
    assert fails(sts.get_caller_identity) == STS_INVALID
    assert fails(sts.assume_role, RoleArn=again["Arn"], RoleSessionName="chain") == STS_INVALID
    # ... while a session of the new role has them
    fresh = user.client().assume_role(RoleArn=again["Arn"], RoleSessionName="new")
    temporary_client(node, fresh["Credentials"], "iam").list_users()


def test_chained_sessions_die_with_their_own_role(home: Account, node: Node) -> None:
    """Role chaining: a session of role ``second`` made by a session of role ``first`` is a
    session of ``second``; it dies with ``second``, and a session of a deleted ``first`` can
    no longer chain."""
    user = home.user()
    first = home.role(trust({"AWS": user.arn}), document(allow("sts:AssumeRole")))
    second = home.role(trust({"AWS": first["Arn"]}), document(allow("iam:GetRole")))
    first_session = user.client().assume_role(RoleArn=first["Arn"], RoleSessionName="aa")
    first_sts = temporary_client(node, first_session["Credentials"], "sts")
    chained = first_sts.assume_role(RoleArn=second["Arn"], RoleSessionName="bb")["Credentials"]
    chained_iam = temporary_client(node, chained, "iam")
    chained_iam.get_role(RoleName=second["RoleName"])

    delete_role(home, first)
    chaining = fails(first_sts.assume_role, RoleArn=second["Arn"], RoleSessionName="cc")
    assert chaining == STS_INVALID
    chained_iam.get_role(RoleName=second["RoleName"])  # its permissions never came from `first`

    delete_role(home, second)
    home.role(trust({"AWS": ACCOUNT_ID}), EVERYTHING, name=second["RoleName"])
    assert fails(chained_iam.get_role, RoleName=second["RoleName"]) == IAM_INVALID
    assert fails(temporary_client(node, chained, "sts").get_caller_identity) == STS_INVALID


def recreate_same_role(node: Node, role_name: str) -> None:
    """Delete the role and create it again under its name, trust policy and permissions."""
    iam = node.client("iam")
    role = iam.get_role(RoleName=role_name)["Role"]
    trust_policy = json.dumps(role["AssumeRolePolicyDocument"])
    delete_role(Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET), role)
    iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_policy)
    iam.put_role_policy(RoleName=role_name, PolicyName="all", PolicyDocument=EVERYTHING)


def test_saml_sessions_die_with_their_role(node: Node) -> None:
    idp = make_idp(node)
    old = idp.assume(signed_response(idp.spec(), KEY))["Credentials"]
    sts = temporary_client(node, old, "sts")
    sts.get_caller_identity()
    recreate_same_role(node, idp.role_name)
    assert fails(sts.get_caller_identity) == STS_INVALID
    assert fails(temporary_client(node, old, "iam").list_roles) == IAM_INVALID
    new = idp.assume(signed_response(idp.spec(), KEY))["Credentials"]
    temporary_client(node, new, "iam").list_roles()


def test_web_identity_sessions_die_with_their_role(oidc_node: OidcNode, issuer: Issuer) -> None:
    fed = federate(oidc_node, issuer)

    def assume() -> dict[str, Any]:
        token = issuer.token(fed.tenant, sub="repo:org/app:ref:refs/heads/main")
        answer = oidc_node.unsigned_sts().assume_role_with_web_identity(
            RoleArn=fed.role_arn, RoleSessionName="ci", WebIdentityToken=token
        )
        return answer["Credentials"]  # type: ignore[no-any-return]

    old = assume()
    sts = temporary_client(oidc_node, old, "sts")
    sts.get_caller_identity()
    recreate_same_role(oidc_node, fed.role_name)
    assert fails(sts.get_caller_identity) == STS_INVALID
    assert fails(temporary_client(oidc_node, old, "iam").list_roles) == IAM_INVALID
    temporary_client(oidc_node, assume(), "iam").list_roles()
