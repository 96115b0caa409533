"""Three nodes on one PostgreSQL (issue 17, 3): a change made through any node is honored by
every node on its next request.

Three ``rolegate serve`` processes on one database of the shared server, as behind a load
balancer. Each case warms every node's read caches with the entity (each node answers twice),
makes the change through one node (not always the one that set it up), and asks all three at
once. This
is the promise of docs/decisions.md, "Read caches", kept as a test for every cache to come.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_helpers import Account, allow, document, trust

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

INVALID_TOKEN = "The security token included in the request is invalid."


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    directory: Path = tmp_path_factory.mktemp("three-nodes")
    with fresh_database_url("postgresql", directory) as url:
        started: list[Server] = []
        try:
            for _ in range(3):
                started.append(Server(directory / "data", url).start())
            yield started
        finally:
            for node in started:
                node.stop()


def account(node: Server) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def error_code(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kw)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def warm(clients: list[Any], call: str, **kw: Any) -> None:
    for client in clients:
        for _ in range(2):
            getattr(client, call)(**kw)


def test_deactivated_key(nodes: list[Server]) -> None:
    changer = 2
    user = account(nodes[0]).user()
    clients = [node.client("sts", user.key_id, user.secret) for node in nodes]
    warm(clients, "get_caller_identity")
    account(nodes[changer]).client().update_access_key(
        UserName=user.name, AccessKeyId=user.key_id, Status="Inactive"
    )
    for client in clients:
        assert error_code(client.get_caller_identity) == ("InvalidClientTokenId", INVALID_TOKEN)


def test_deleted_role(nodes: list[Server]) -> None:
    changer = 1
    home = account(nodes[0])
    user = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetRole")))
    sts = [node.client("sts", user.key_id, user.secret) for node in nodes]
    credentials = sts[0].assume_role(RoleArn=role["Arn"], RoleSessionName="before")["Credentials"]
    sessions = [_session(node, credentials) for node in nodes]
    warm(sessions, "get_role", RoleName=role["RoleName"])
    iam = account(nodes[changer]).client()
    iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="p0")
    iam.delete_role(RoleName=role["RoleName"])
    for session, client in zip(sessions, sts, strict=True):
        code, _ = error_code(session.get_role, RoleName=role["RoleName"])
        assert code == "InvalidClientTokenId"
        code, _ = error_code(client.assume_role, RoleArn=role["Arn"], RoleSessionName="after")
        assert code == "AccessDenied"


def test_detached_policy(nodes: list[Server]) -> None:
    changer = 2
    home = account(nodes[0])
    user = home.user()
    policy = home.client().create_policy(
        PolicyName=f"three-{uuid.uuid4().hex[:8]}", PolicyDocument=document(allow("iam:GetUser"))
    )["Policy"]
    home.client().attach_user_policy(UserName=user.name, PolicyArn=policy["Arn"])
    clients = [node.client("iam", user.key_id, user.secret) for node in nodes]
    warm(clients, "get_user", UserName=user.name)
    account(nodes[changer]).client().detach_user_policy(UserName=user.name, PolicyArn=policy["Arn"])
    for client in clients:
        code, message = error_code(client.get_user, UserName=user.name)
        assert code == "AccessDenied" and "no identity-based policy allows" in message


def test_revoked_sessions(nodes: list[Server]) -> None:
    changer = 0
    """AWSRevokeOlderSessions, as the console writes it: deny everything to sessions issued
    before now (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html)."""
    home = account(nodes[0])
    user = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetRole")))
    sts = nodes[1].client("sts", user.key_id, user.secret)
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="old")["Credentials"]
    sessions = [_session(node, credentials) for node in nodes]
    warm(sessions, "get_role", RoleName=role["RoleName"])
    time.sleep(1.1)  # aws:TokenIssueTime is to the second: the session is strictly older
    revoke = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "DateLessThan": {"aws:TokenIssueTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        },
    }
    account(nodes[changer]).client().put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=document(revoke),
    )
    for session in sessions:
        code, message = error_code(session.get_role, RoleName=role["RoleName"])
        assert code == "AccessDenied" and "explicit deny in an identity-based policy" in message
    fresh = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="new")["Credentials"]
    assert _session(nodes[changer], fresh).get_role(RoleName=role["RoleName"])


def test_edited_trust_policy(nodes: list[Server]) -> None:
    changer = 1
    home = account(nodes[0])
    user = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"AWS": user.arn}))
    clients = [node.client("sts", user.key_id, user.secret) for node in nodes]
    for index, client in enumerate(clients):
        for attempt in range(2):
            client.assume_role(RoleArn=role["Arn"], RoleSessionName=f"s{index}-{attempt}")
    account(nodes[changer]).client().update_assume_role_policy(
        RoleName=role["RoleName"], PolicyDocument=trust({"AWS": ACCOUNT_ID}, "sts:TagSession")
    )
    for client in clients:
        code, _ = error_code(client.assume_role, RoleArn=role["Arn"], RoleSessionName="late")
        assert code == "AccessDenied"


def _session(node: Server, credentials: dict[str, Any]) -> Any:
    return node.client(
        "iam",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
