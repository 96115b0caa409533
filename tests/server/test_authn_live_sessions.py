"""A session lives as long as the user or role it acts for, by unique id (issue 13, finding 3a):
``live_session_caller`` in-process on a real store (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from test_authn_sessions import claims

from rolegate.auth.keyring import KeyRing
from rolegate.domain.entities import Account, InlinePolicy, Role, User
from rolegate.domain.errors import InvalidClientTokenId
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.server.authn import live_session_caller
from rolegate.services.authz.principal_policies import gather
from rolegate.store import Store, Tx

from conftest_db import BACKENDS, fresh_database_url

ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
BOB = User(ACCOUNT, "AIDABOB0000000000001", "bob", "/", f"arn:aws:iam::{ACCOUNT}:user/bob", NOW)
APP = Role(
    ACCOUNT, "AROAAPP0000000000001", "app", "/", f"arn:aws:iam::{ACCOUNT}:role/app", NOW, "{}"
)
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
STS_INVALID = "The security token included in the request is invalid."
IAM_INVALID = "The security token included in the request is invalid"


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with fresh_database_url(request.param, tmp_path) as url:
        opened = Store.open(url, sealer=KeyRing.from_master_key(b"l" * 32))
        with opened.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, NOW))
            tx.users.create(BOB)
            tx.roles.create(APP)
            tx.role_policies.put(APP.role_id, InlinePolicy("p", "{}"))
        try:
            yield opened
        finally:
            opened.close()


ROLE_SESSION = claims(
    SessionKind.ROLE,
    f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
    f"{APP.role_id}:s1",
    role_arn=APP.arn,
    role_id=APP.role_id,
)
USER_SESSION = claims(
    SessionKind.SESSION_TOKEN,
    BOB.arn,
    BOB.user_id,
    source_user_arn=BOB.arn,
    source_user_id=BOB.user_id,
)
FEDERATED = claims(
    SessionKind.FEDERATED_USER,
    f"arn:aws:sts::{ACCOUNT}:federated-user/fed",
    f"{ACCOUNT}:fed",
    source_user_arn=BOB.arn,
    source_user_id=BOB.user_id,
)
ROOT_SESSION = claims(SessionKind.SESSION_TOKEN, ROOT, ACCOUNT, source_user_arn=ROOT)
ROOT_FEDERATED = claims(
    SessionKind.FEDERATED_USER,
    f"arn:aws:sts::{ACCOUNT}:federated-user/fed",
    f"{ACCOUNT}:fed",
    source_user_arn=ROOT,
)


def invalid(tx: Tx, session: SessionClaims, service: str) -> str:
    with pytest.raises(InvalidClientTokenId) as info:
        live_session_caller(tx, session, service)
    return info.value.message


def replace_bob_and_app(tx: Tx) -> None:
    """Delete the user and the role, and create others under their names."""
    tx.users.delete(BOB.user_id)
    tx.role_policies.delete(APP.role_id, "p")
    tx.roles.delete(ACCOUNT, APP.role_name)
    tx.users.create(replace(BOB, user_id="AIDABOB0000000000002"))
    tx.roles.create(replace(APP, role_id="AROAAPP0000000000002"))


def test_every_kind_of_session_ends_with_its_principal(store: Store) -> None:
    with store.transaction() as tx:
        assert live_session_caller(tx, ROLE_SESSION, "iam").role == APP
        for session in (USER_SESSION, FEDERATED):
            assert live_session_caller(tx, session, "sts").user == BOB
        for session in (ROOT_SESSION, ROOT_FEDERATED):  # the account outlives them
            caller = live_session_caller(tx, session, "sts")
            assert (caller.user, caller.role) == (None, None)
        replace_bob_and_app(tx)
        for session in (ROLE_SESSION, USER_SESSION, FEDERATED):
            assert invalid(tx, session, "sts") == STS_INVALID
            assert invalid(tx, session, "iam") == IAM_INVALID
        live_session_caller(tx, ROOT_SESSION, "iam")
        live_session_caller(tx, ROOT_FEDERATED, "iam")


def test_tokens_sealed_before_they_named_their_users_id(store: Store) -> None:
    """GetSessionToken tokens always named their user's id (as aws:userid); GetFederationToken
    tokens did not, so those cannot be told from a successor's and are refused."""
    with store.transaction() as tx:
        caller = live_session_caller(tx, replace(USER_SESSION, source_user_id=None), "sts")
        assert caller.user == BOB
        assert invalid(tx, replace(FEDERATED, source_user_id=None), "sts") == STS_INVALID


def test_a_renamed_users_session_token_acts_under_the_new_name(store: Store) -> None:
    with store.transaction() as tx:
        tx.users.rename(BOB, new_name="robert", new_path="/", new_arn=f"{BOB.arn[:-3]}robert")
        caller = live_session_caller(tx, USER_SESSION, "iam")
    assert (caller.arn, caller.user_name, caller.user_id) == (
        f"arn:aws:iam::{ACCOUNT}:user/robert",
        "robert",
        BOB.user_id,
    )


def test_the_principal_is_read_once_per_request(store: Store) -> None:
    """Authentication's read by unique id is the one read of the principal: gathering its
    policies then reads only the policies (the statement counts of docs/benchmarks.md)."""
    with store.transaction() as tx:
        seen: list[str] = []

        def record(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(tx.connection.engine, "before_cursor_execute", record)
        try:
            role_caller = live_session_caller(tx, ROLE_SESSION, "iam")
            user_caller = live_session_caller(tx, USER_SESSION, "iam")
            assert len(seen) == 2
            gather(tx, role_caller)
            gather(tx, user_caller)
        finally:
            event.remove(tx.connection.engine, "before_cursor_execute", record)
    assert len(seen) == 4
    assert not any("FROM roles" in s or "FROM users" in s for s in seen[2:])
