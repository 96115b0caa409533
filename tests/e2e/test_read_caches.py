"""The read caches never serve a stale permission (docs/decisions.md, "Read caches").

Two nodes on one database, as behind a load balancer. Each case first warms the second node's
cache with the entity (the same request twice; that node answers from its cache on the event
loop, as by default), changes it through the first node, then asks the
second node at once: the change holds on its very next request (the bound is that request, well
within the one second the caches may take), and through the first node too.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sessions import mint_role_session
from sts_helpers import Account, allow, document, trust

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

INVALID_TOKEN = "The security token included in the request is invalid."


@pytest.fixture(scope="module")
def nodes(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two servers on one database and one master key, shared by this module's tests."""
    directory: Path = tmp_path_factory.mktemp(f"caches-{backend}")
    with fresh_database_url(backend, directory) as url:
        # the first node runs every request on its threads; the node asked after each change
        # answers cached reads on its event loop (the default, server.inline)
        first = Server(directory / "data", url, args=("--no-inline-reads",)).start()
        try:
            second = Server(directory / "data", url).start()
            try:
                yield first, second
            finally:
                second.stop()
        finally:
            first.stop()


def home_on(server: Server) -> Account:
    return Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def error_of(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kw)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_deactivated_key_is_refused_by_the_other_node(nodes: tuple[Server, Server]) -> None:
    first, second = nodes
    user = home_on(first).user()
    on_second = second.client("sts", user.key_id, user.secret)
    for _ in range(2):
        assert on_second.get_caller_identity()["Arn"] == user.arn
    home_on(first).client().update_access_key(
        UserName=user.name, AccessKeyId=user.key_id, Status="Inactive"
    )
    assert error_of(on_second.get_caller_identity) == ("InvalidClientTokenId", INVALID_TOKEN)
    on_first = first.client("sts", user.key_id, user.secret)
    assert error_of(on_first.get_caller_identity) == ("InvalidClientTokenId", INVALID_TOKEN)
    # and back: reactivated through the second node, accepted by the first at once
    home_on(second).client().update_access_key(
        UserName=user.name, AccessKeyId=user.key_id, Status="Active"
    )
    assert on_first.get_caller_identity()["Arn"] == user.arn


def test_deleted_key_is_refused_by_the_other_node(nodes: tuple[Server, Server]) -> None:
    first, second = nodes
    user = home_on(first).user()
    on_second = second.client("sts", user.key_id, user.secret)
    for _ in range(2):
        on_second.get_caller_identity()
    home_on(first).client().delete_access_key(UserName=user.name, AccessKeyId=user.key_id)
    assert error_of(on_second.get_caller_identity) == ("InvalidClientTokenId", INVALID_TOKEN)


def test_deleted_role_ends_its_sessions_on_the_other_node(nodes: tuple[Server, Server]) -> None:
    first, second = nodes
    home = home_on(first)
    role = home.role(trust({"AWS": ACCOUNT_ID}), document(allow("iam:GetRole")))
    session = mint_role_session(first, role, issued_at=datetime.now(UTC) - timedelta(minutes=1))
    on_second = session.client(second)
    for _ in range(2):
        assert on_second.get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]
    root_on_second = home_on(second).client()
    root_on_second.get_role(RoleName=role["RoleName"])  # the role by name, cached too
    iam = home.client()
    iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="p0")
    iam.delete_role(RoleName=role["RoleName"])
    code, message = error_of(on_second.get_role, RoleName=role["RoleName"])
    assert (code, message) == ("InvalidClientTokenId", INVALID_TOKEN.rstrip("."))
    code, _ = error_of(root_on_second.get_role, RoleName=role["RoleName"])
    assert code == "NoSuchEntity"


def test_inline_policy_change_holds_on_the_other_node(nodes: tuple[Server, Server]) -> None:
    first, second = nodes
    home = home_on(first)
    user = home.user(document(allow("iam:GetUser")))
    on_second = second.client("iam", user.key_id, user.secret)
    for _ in range(2):
        assert on_second.get_user(UserName=user.name)["User"]["Arn"] == user.arn
    home.client().put_user_policy(
        UserName=user.name,
        PolicyName="p0",
        PolicyDocument=document({"Effect": "Deny", "Action": "iam:GetUser", "Resource": "*"}),
    )
    code, message = error_of(on_second.get_user, UserName=user.name)
    assert code == "AccessDenied" and "explicit deny in an identity-based policy" in message


def test_managed_policy_version_holds_on_the_other_node(nodes: tuple[Server, Server]) -> None:
    """A new default version of an attached managed policy (the role's policies are cached)."""
    first, second = nodes
    home = home_on(first)
    iam = home.client()
    policy = iam.create_policy(
        PolicyName=f"cached-{datetime.now(UTC).timestamp():.0f}-{id(home)}",
        PolicyDocument=document(allow("iam:GetRole")),
    )["Policy"]
    role = home.role(trust({"AWS": ACCOUNT_ID}))
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=policy["Arn"])
    session = mint_role_session(first, role, issued_at=datetime.now(UTC) - timedelta(minutes=1))
    on_second = session.client(second)
    for _ in range(2):
        on_second.get_role(RoleName=role["RoleName"])
    iam.create_policy_version(
        PolicyArn=policy["Arn"],
        PolicyDocument=document(allow("iam:ListRoles")),
        SetAsDefault=True,
    )
    code, message = error_of(on_second.get_role, RoleName=role["RoleName"])
    assert code == "AccessDenied" and "no identity-based policy allows" in message
    assert "Roles" in on_second.list_roles(MaxItems=1)


def test_revoked_sessions_are_refused_by_the_other_node(nodes: tuple[Server, Server]) -> None:
    """Revoking a role's older sessions (an inline deny on aws:TokenIssueTime)."""
    first, second = nodes
    home = home_on(first)
    role = home.role(trust({"AWS": ACCOUNT_ID}), document(allow("iam:GetRole")))
    session = mint_role_session(first, role, issued_at=datetime.now(UTC) - timedelta(minutes=5))
    on_second = session.client(second)
    for _ in range(2):
        on_second.get_role(RoleName=role["RoleName"])
    revoke = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "DateLessThan": {"aws:TokenIssueTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        },
    }
    home.client().put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [revoke]}),
    )
    code, message = error_of(on_second.get_role, RoleName=role["RoleName"])
    assert code == "AccessDenied" and "explicit deny in an identity-based policy" in message


def test_assumed_role_answers_follow_the_trust_policy(nodes: tuple[Server, Server]) -> None:
    """AssumeRole through the second node after the first node narrowed the trust policy."""
    first, second = nodes
    home = home_on(first)
    user = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"AWS": user.arn}))
    on_second = second.client("sts", user.key_id, user.secret)
    for index in range(2):
        on_second.assume_role(RoleArn=role["Arn"], RoleSessionName=f"s{index}")
    home.client().update_assume_role_policy(
        RoleName=role["RoleName"], PolicyDocument=trust({"AWS": ACCOUNT_ID}, "sts:TagSession")
    )
    code, _ = error_of(on_second.assume_role, RoleArn=role["Arn"], RoleSessionName="late")
    assert code == "AccessDenied"


def _loop_answers(server: Server) -> float:
    """``rolegate_event_loop_attempts_total{outcome="answered"}`` from the node's /metrics."""
    with urllib.request.urlopen(f"{server.endpoint}/metrics", timeout=10) as response:
        exposition = response.read().decode()
    found = re.search(
        r'^rolegate_event_loop_attempts_total\{outcome="answered"\} (\S+)$', exposition, re.M
    )
    return float(found.group(1)) if found else 0.0


def test_the_asked_node_answers_cached_reads_on_its_event_loop(
    nodes: tuple[Server, Server],
) -> None:
    """What the cases above ask the second node is answered on its event loop, on PostgreSQL
    too (its serial read from the loop, store.loop_probe); the first node never tries."""
    first, second = nodes
    user = home_on(first).user()
    on_second = second.client("sts", user.key_id, user.secret)
    before, answered = _loop_answers(second), 0.0
    # the cases before may have left GetCallerIdentity skipping the loop for a while
    # (server.inline: RETRY_AFTER requests after misses in a row)
    for _ in range(10):
        for _ in range(20):
            assert on_second.get_caller_identity()["Arn"] == user.arn
        answered = _loop_answers(second) - before
        if answered >= 10:
            break
    assert answered >= 10
    first.client("sts", user.key_id, user.secret).get_caller_identity()
    assert _loop_answers(first) == 0
