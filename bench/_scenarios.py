"""Named benchmark scenarios: each one turns (connection, sequence number) into an API call.

The default mix is issue 2's: CreateRole, GetRole, ListRoles (1,000 roles present),
PutRolePolicy and GetCallerIdentity, equally weighted. Later scenarios (AssumeRole, ...) are
added to ``SCENARIOS`` and picked with ``--scenarios``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from _http import DEFAULT_CREDENTIALS, Call

ROLE_PATH = "/bench/"
NEW_ROLE_PATH = "/bench/new/"  # CreateRole's roles: removed after each window (see api.py)
PRELOADED_ROLE_PREFIX = "bench-r"

TRUST_POLICY_TEMPLATE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::{account}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every scenario may depend on: the account, the preloaded roles, the window number."""

    account_id: str
    preloaded_roles: int
    window: int = 0  # each timed window gets its own number, so new names never repeat

    def trust_policy(self) -> str:
        text = json.dumps(TRUST_POLICY_TEMPLATE, separators=(",", ":"))
        return text.replace("{account}", self.account_id)

    def preloaded_role_name(self, index: int) -> str:
        return f"{PRELOADED_ROLE_PREFIX}{index % self.preloaded_roles:05d}"


@dataclass(frozen=True, slots=True)
class Scenario:
    """``make(context, connection_index, sequence)`` builds the call; ``weight`` sets its share;
    ``credentials`` names the credential set of the connection that signs it (default: the
    endpoint's own)."""

    name: str
    weight: int
    make: Callable[[RunContext, int, int], Call]
    credentials: str = DEFAULT_CREDENTIALS


def preload_role_call(context: RunContext, index: int) -> Call:
    """Setup (not timed): the roles that GetRole, ListRoles and PutRolePolicy work on."""
    return _create_role(context, f"{PRELOADED_ROLE_PREFIX}{index:05d}", ROLE_PATH)


def _create_role(context: RunContext, name: str, path: str) -> Call:
    params = (
        ("RoleName", name),
        ("Path", path),
        ("AssumeRolePolicyDocument", context.trust_policy()),
        ("Description", "rolegate API benchmark"),
    )
    return Call("iam", "CreateRole", params)


def _create_new_role(context: RunContext, connection: int, sequence: int) -> Call:
    name = f"bench-w{context.window}-c{connection}-{sequence}"
    return _create_role(context, name, NEW_ROLE_PATH)


def _get_role(context: RunContext, connection: int, sequence: int) -> Call:
    name = context.preloaded_role_name(sequence * 7919 + connection)  # spread over all roles
    return Call("iam", "GetRole", (("RoleName", name),))


def _list_roles(context: RunContext, connection: int, sequence: int) -> Call:
    return Call("iam", "ListRoles")  # first page (default MaxItems 100) of every role


def _put_role_policy(context: RunContext, connection: int, sequence: int) -> Call:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": f"arn:aws:s3:::bench-bucket-{connection}/{sequence}/*",
            }
        ],
    }
    params = (
        ("RoleName", context.preloaded_role_name(sequence * 104729 + connection)),
        ("PolicyName", "bench-inline"),
        ("PolicyDocument", json.dumps(document, separators=(",", ":"))),
    )
    return Call("iam", "PutRolePolicy", params)


def _get_caller_identity(context: RunContext, connection: int, sequence: int) -> Call:
    return Call("sts", "GetCallerIdentity")


def _assume_role(context: RunContext, connection: int, sequence: int) -> Call:
    """AWS refuses AssumeRole to the root user: run this one with ``--principal user``."""
    role = context.preloaded_role_name(sequence * 31 + connection)
    params = (
        ("RoleArn", f"arn:aws:iam::{context.account_id}:role{ROLE_PATH}{role}"),
        ("RoleSessionName", f"bench-{connection}-{sequence}"),
        ("DurationSeconds", "900"),
    )
    return Call("sts", "AssumeRole", params)


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("CreateRole", 1, _create_new_role),
        Scenario("GetRole", 1, _get_role),
        Scenario("ListRoles", 1, _list_roles),
        Scenario("PutRolePolicy", 1, _put_role_policy),
        Scenario("GetCallerIdentity", 1, _get_caller_identity),
        Scenario("AssumeRole", 1, _assume_role),
    )
}
DEFAULT_MIX = ("CreateRole", "GetRole", "ListRoles", "PutRolePolicy", "GetCallerIdentity")


def weighted_cycle(mix: Sequence[Scenario]) -> list[int]:
    """One cycle of scenario indexes, each repeated ``weight`` times, interleaved round-robin."""
    remaining = [scenario.weight for scenario in mix]
    cycle: list[int] = []
    while any(remaining):
        for index, count in enumerate(remaining):
            if count:
                cycle.append(index)
                remaining[index] -= 1
    return cycle
