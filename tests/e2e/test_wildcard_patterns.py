"""Hostile wildcard patterns reach the policy engine over the wire (issue 13, finding 1).

Before the fix a Resource pattern like ``arn:aws:iam::*:user/a*a*...a*b`` took exponential time
to decide against a long user name, in a regular expression that holds the interpreter lock:
with 30 wildcards the node never answered again, ``/healthz`` included. Any caller who may
assume a role can send one as a session policy; anyone who may write policies stores one.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError
from sts_helpers import Account, allow, document, temporary_client, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

HOSTILE = "arn:aws:iam::*:user/" + "a*" * 30 + "b"  # 30 wildcards: a frozen node before the fix
NOT_MATCHING = "a" * 64  # the longest user name; no "b" at the end
MATCHING = "a" * 63 + "b"
PROMPTLY = 20  # seconds: generous on a loaded machine; the decision itself takes microseconds


def healthy(server: Server) -> bool:
    with urllib.request.urlopen(f"{server.endpoint}/healthz", timeout=PROMPTLY) as answer:
        return bool(answer.status == 200)


def answered_promptly(server: Server, call: Callable[[], Any]) -> Any:
    """``call()``'s answer (a ClientError is returned, not raised), which must come within
    ``PROMPTLY`` seconds while ``/healthz`` keeps answering."""

    def outcome() -> Any:
        try:
            return call()
        except ClientError as error:
            return error

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(outcome)
        deadline = time.monotonic() + PROMPTLY
        while not pending.done() and time.monotonic() < deadline:
            assert healthy(server)
            time.sleep(0.05)
        assert pending.done(), f"no answer in {PROMPTLY} s"
        assert healthy(server)
        return pending.result()


def arn_of(user_name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{user_name}"


def get_user_is_decided_promptly(node: Server, iam: Any, caller: str, policy_type: str) -> None:
    """GetUser of the name the hostile pattern does not match is denied with AWS's message, of
    the name it matches allowed; each answer comes promptly while ``/healthz`` answers."""
    denied = answered_promptly(node, lambda: iam.get_user(UserName=NOT_MATCHING))
    assert isinstance(denied, ClientError), denied
    error, metadata = denied.response["Error"], denied.response["ResponseMetadata"]
    assert (error["Code"], metadata["HTTPStatusCode"], error["Message"]) == (
        "AccessDenied",
        403,
        f"User: {caller} is not authorized to perform: iam:GetUser on resource: "
        f"{arn_of(NOT_MATCHING)} because no {policy_type} policy allows the iam:GetUser action",
    )
    allowed = answered_promptly(node, lambda: iam.get_user(UserName=MATCHING))
    assert allowed["User"]["Arn"] == arn_of(MATCHING)


def test_hostile_resource_patterns_are_decided_promptly_while_the_node_answers(
    start_server: Callable[..., Server],
) -> None:
    node = start_server()  # its own node: a regression freezes this one, not the shared one
    home = Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    for name in (NOT_MATCHING, MATCHING):
        home.client().create_user(UserName=name)

    # A session policy: anyone who may assume a role sends it with AssumeRole.
    user = home.user()
    role = home.role(trust({"AWS": user.arn}), document(allow("iam:GetUser")))
    answer = user.client().assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="hostile",
        Policy=document(allow("iam:GetUser", HOSTILE)),
    )
    session = temporary_client(node, answer["Credentials"])
    get_user_is_decided_promptly(node, session, answer["AssumedRoleUser"]["Arn"], "session")

    # An identity policy: stored, so every later call of its user evaluates it.
    writer = home.user(document(allow("iam:GetUser", HOSTILE)))
    get_user_is_decided_promptly(node, writer.client("iam"), writer.arn, "identity-based")
