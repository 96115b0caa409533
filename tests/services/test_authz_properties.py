"""Property: for a role session, RequestAuthorizer allows exactly what the set rules of
reference_policies_evaluation-logic.md say - an identity Allow, no Deny anywhere, and an Allow in
the boundary and in the session policies when there are any - and its reason clause names the
first policy type that failed."""

from __future__ import annotations

import itertools
import json
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.domain.arn import assumed_role_arn, role_arn
from rolegate.domain.caller import Caller
from rolegate.domain.entities import Account, InlinePolicy, Role
from rolegate.domain.errors import AccessDenied
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.policy.compile import PolicyCompiler
from rolegate.services.authz.authorizer import RequestAuthorizer
from rolegate.services.authz.principal_policies import PolicySetCache
from rolegate.services.iam import install_aws_managed_policies, load_aws_managed_policies
from rolegate.store import Store

A = "111111111111"
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
ACTIONS = ("iam:GetRole", "iam:ListRoles", "iam:CreateRole", "iam:DeleteRole", "iam:TagRole")
READ_ONLY = {"iam:GetRole", "iam:ListRoles"}  # what IAMReadOnlyAccess allows of ACTIONS
BOUNDARIES = {
    None: set(ACTIONS),
    "arn:aws:iam::aws:policy/AdministratorAccess": set(ACTIONS),
    "arn:aws:iam::aws:policy/IAMReadOnlyAccess": READ_ONLY,
}
_names = itertools.count()


class _PlainSealer:
    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        return plaintext

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        return sealed


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as directory:
        opened = Store.open(f"sqlite:///{Path(directory) / 'p.db'}", sealer=_PlainSealer())
        with opened.transaction() as tx:
            tx.accounts.create(Account(A, NOW))
            install_aws_managed_policies(tx, load_aws_managed_policies())
        yield opened
        opened.close()


def document(effect: str, actions: frozenset[str]) -> str:
    statement = {"Effect": effect, "Action": sorted(actions), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


action_sets = st.frozensets(st.sampled_from(ACTIONS), min_size=1)


@settings(max_examples=60, deadline=None)
@given(
    identity_allows=st.lists(action_sets, max_size=3),
    identity_denies=st.lists(action_sets, max_size=1),
    boundary=st.sampled_from(sorted(BOUNDARIES, key=str)),
    session_allows=st.none() | action_sets,
    action=st.sampled_from(ACTIONS),
)
def test_role_session_decisions_follow_the_set_rules(
    store: Store,
    identity_allows: list[frozenset[str]],
    identity_denies: list[frozenset[str]],
    boundary: str | None,
    session_allows: frozenset[str] | None,
    action: str,
) -> None:
    name = f"prop{next(_names)}"
    role = Role(
        account_id=A,
        role_id="AROA" + secrets.token_hex(8).upper(),
        role_name=name,
        path="/",
        arn=role_arn(A, "/", name),
        create_date=NOW,
        assume_role_policy_document="{}",
        permissions_boundary_arn=boundary,
    )
    session = SessionClaims(
        kind=SessionKind.ROLE,
        account_id=A,
        access_key_id="ASIA" + "P" * 16,
        secret_access_key="s",
        issued_at=NOW - timedelta(minutes=1),
        expires_at=NOW + timedelta(hours=1),
        principal_arn=assumed_role_arn(A, name, "s1"),
        principal_id=f"{role.role_id}:s1",
        role_arn=role.arn,
        role_id=role.role_id,
        session_name="s1",
        session_policy=None if session_allows is None else document("Allow", session_allows),
    )
    caller = Caller(A, "role_session", session.principal_arn, session.principal_id, session=session)
    allowed_by = {
        "identity": set().union(*identity_allows),
        "boundary": BOUNDARIES[boundary],
        "session": set(ACTIONS) if session_allows is None else set(session_allows),
    }
    denied_by = set().union(*identity_denies)
    with store.transaction() as tx:
        tx.roles.create(role)
        policies = [document("Allow", a) for a in identity_allows]
        policies += [document("Deny", d) for d in identity_denies]
        for index, text in enumerate(policies):
            tx.role_policies.put(role.role_id, InlinePolicy(f"p{index}", text))
        authorizer = RequestAuthorizer(
            caller=caller, now=NOW, tx=tx, compiler=PolicyCompiler(), policy_sets=PolicySetCache()
        )
        try:
            authorizer.require(action, role.arn)
            outcome = "allowed"
        except AccessDenied as denial:
            outcome = denial.message.split(role.arn + " ", 1)[1]
    if action in denied_by:
        expected = "with an explicit deny in an identity-based policy"
    else:
        failing = [
            kind for kind in ("identity", "boundary", "session") if action not in allowed_by[kind]
        ]
        words = {
            "identity": "no identity-based policy",
            "boundary": "no permissions boundary",
            "session": "no session policy",
        }
        expected = (
            f"because {words[failing[0]]} allows the {action} action" if failing else "allowed"
        )
    assert outcome == expected
