"""Issue 4's benchmark mix: a user with two policies assumes roles, and role sessions call back.

Setup (untimed, signed by the account's root user): the IAM user ``bench-caller`` with two
policies (an inline one allowing ``sts:AssumeRole`` on the roles under ``/bench/``, and an
attached customer managed one allowing ``iam:GetRole`` and ``iam:ListRoles``) and an access key;
then the roles ``bench-r00000``... (path ``/bench/``) whose trust policy allows that user on the
condition ``StringEquals sts:ExternalId``, each with an inline permissions policy allowing
``iam:GetRole`` and ``sts:GetCallerIdentity``. Then every client connection gets its own role
session (one untimed AssumeRole, an hour long) for the scenarios signed with temporary
credentials. See id_roles_create_for-user_externalid.md for the ExternalId condition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace

from _driver import run_setup
from _http import Call, Endpoint, SignedClient, answer_text, expect
from _scenarios import PRELOADED_ROLE_PREFIX, ROLE_PATH, RunContext, Scenario

CALLER = "bench-caller"
EXTERNAL_ID = "rolegate-bench-external-id"
SESSION = "session"  # the credential set of a connection's role session
ASSUME_POLICY = "bench-assume"
READ_ROLES_POLICY = "bench-read-roles"
ROLE_PERMISSIONS_POLICY = "bench-session"
SETUP_SESSION_SECONDS = "3600"
TIMED_SESSION_SECONDS = "900"


def _document(*statements: Mapping[str, object]) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":")
    )


def _role_arn(context: RunContext, name: str) -> str:
    return f"arn:aws:iam::{context.account_id}:role{ROLE_PATH}{name}"


def _trust_policy(context: RunContext) -> str:
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{context.account_id}:user/{CALLER}"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
        }
    )


def _role_calls(context: RunContext) -> tuple[list[Call], list[Call]]:
    """CreateRole for every role, then (once they all exist) PutRolePolicy for every role."""
    permissions = _document(
        {"Effect": "Allow", "Action": "iam:GetRole", "Resource": _role_arn(context, "*")},
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
    )
    names = [f"{PRELOADED_ROLE_PREFIX}{index:05d}" for index in range(context.preloaded_roles)]
    creates = [
        Call(
            "iam",
            "CreateRole",
            (
                ("RoleName", name),
                ("Path", ROLE_PATH),
                ("AssumeRolePolicyDocument", _trust_policy(context)),
                ("Description", "rolegate AssumeRole benchmark"),
            ),
        )
        for name in names
    ]
    policies = [
        Call(
            "iam",
            "PutRolePolicy",
            (
                ("RoleName", name),
                ("PolicyName", ROLE_PERMISSIONS_POLICY),
                ("PolicyDocument", permissions),
            ),
        )
        for name in names
    ]
    return creates, policies


def _caller_calls(context: RunContext) -> Iterator[Call]:
    """The user, its two policies (one inline, one attached managed) and, last, its key."""
    user = ("UserName", CALLER)
    yield Call("iam", "CreateUser", (user,))
    assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": _role_arn(context, "*")}
    inline = (user, ("PolicyName", ASSUME_POLICY), ("PolicyDocument", _document(assume)))
    yield Call("iam", "PutUserPolicy", inline)
    read = {"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles"], "Resource": "*"}
    managed = (("PolicyName", READ_ROLES_POLICY), ("PolicyDocument", _document(read)))
    yield Call("iam", "CreatePolicy", managed)
    policy_arn = f"arn:aws:iam::{context.account_id}:policy/{READ_ROLES_POLICY}"
    yield Call("iam", "AttachUserPolicy", (user, ("PolicyArn", policy_arn)))
    yield Call("iam", "CreateAccessKey", (user,))


def prepare_caller_and_roles(root: Endpoint, context: RunContext) -> Endpoint:
    """Create the user and the roles (one connection); the endpoint signed as the user.

    Raises RuntimeError when the server refuses a setup call.
    """
    client = SignedClient(root)
    try:
        for call in _caller_calls(context):
            body = expect(client, call)
    finally:
        client.close()
    key_id, secret = answer_text(body, "AccessKeyId"), answer_text(body, "SecretAccessKey")
    for calls in _role_calls(context):  # one connection: moto's IAM races (see api.py)
        failures = run_setup(root, calls, connections=1)
        if failures:
            raise RuntimeError(f"{len(failures)} role setup calls failed, e.g. {failures[0]}")
    return replace(root, access_key_id=key_id, secret_access_key=secret, session_token=None)


def open_sessions(caller: Endpoint, context: RunContext, connections: int) -> list[Endpoint]:
    """One role session per connection (connection i assumes role i), checked once with
    GetCallerIdentity; the endpoints carry the temporary credentials."""
    client = SignedClient(caller)
    sessions = []
    try:
        for index in range(connections):
            role = context.preloaded_role_name(index)
            params = (
                ("RoleArn", _role_arn(context, role)),
                ("RoleSessionName", f"setup-c{index}"),
                ("ExternalId", EXTERNAL_ID),
                ("DurationSeconds", SETUP_SESSION_SECONDS),
            )
            body = expect(client, Call("sts", "AssumeRole", params))
            sessions.append(
                replace(
                    caller,
                    access_key_id=answer_text(body, "AccessKeyId"),
                    secret_access_key=answer_text(body, "SecretAccessKey"),
                    session_token=answer_text(body, "SessionToken"),
                )
            )
    finally:
        client.close()
    client = SignedClient(caller, other_credentials={SESSION: sessions[0]})
    try:
        identity = expect(client, Call("sts", "GetCallerIdentity"), SESSION)
    finally:
        client.close()
    expected = f":assumed-role/{context.preloaded_role_name(0)}/setup-c0"
    arn = answer_text(identity, "Arn")
    if expected not in arn:
        raise RuntimeError(f"a role session's GetCallerIdentity says {arn}")
    return sessions


def _assume_role(context: RunContext, connection: int, sequence: int) -> Call:
    role = context.preloaded_role_name(sequence * 31 + connection)
    params = (
        ("RoleArn", _role_arn(context, role)),
        ("RoleSessionName", f"w{context.window}-c{connection}-{sequence}"),  # fresh per call
        ("ExternalId", EXTERNAL_ID),
        ("DurationSeconds", TIMED_SESSION_SECONDS),
    )
    return Call("sts", "AssumeRole", params)


def _session_get_caller_identity(context: RunContext, connection: int, sequence: int) -> Call:
    return Call("sts", "GetCallerIdentity")


def _session_get_role(context: RunContext, connection: int, sequence: int) -> Call:
    name = context.preloaded_role_name(sequence * 7919 + connection)  # spread over all roles
    return Call("iam", "GetRole", (("RoleName", name),))


ASSUME_ROLE = "AssumeRole"
MIX = (
    Scenario(ASSUME_ROLE, 1, _assume_role),
    Scenario("SessionGetCallerIdentity", 1, _session_get_caller_identity, SESSION),
    Scenario("SessionGetRole", 1, _session_get_role, SESSION),
)
