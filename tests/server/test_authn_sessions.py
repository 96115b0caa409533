"""Temporary credentials in authentication: who the caller is for each kind of session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.server.authn import session_caller

ISSUED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def claims(kind: str, principal_arn: str, principal_id: str, **kw: object) -> SessionClaims:
    return SessionClaims(
        kind=kind,
        account_id="123456789012",
        access_key_id="ASIAABCDEFGHIJKLMNOP",
        secret_access_key="s" * 40,
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(hours=1),
        principal_arn=principal_arn,
        principal_id=principal_id,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("session", "principal_type", "user_name"),
    [
        (
            claims(
                SessionKind.ROLE,
                "arn:aws:sts::123456789012:assumed-role/app/s1",
                "AROAABCDEFGHIJKLMNOPQ:s1",
                role_arn="arn:aws:iam::123456789012:role/team/app",
            ),
            "role_session",
            None,
        ),
        (
            claims(
                SessionKind.FEDERATED_USER,
                "arn:aws:sts::123456789012:federated-user/bob",
                "123456789012:bob",
            ),
            "federated_user",
            None,
        ),
        (
            claims(
                SessionKind.SESSION_TOKEN,
                "arn:aws:iam::123456789012:user/division/alice",
                "AIDAABCDEFGHIJKLMNOPQ",
            ),
            "user",
            "alice",
        ),
        (
            claims(SessionKind.SESSION_TOKEN, "arn:aws:iam::123456789012:root", "123456789012"),
            "root",
            None,
        ),
    ],
)
def test_session_callers(
    session: SessionClaims, principal_type: str, user_name: str | None
) -> None:
    caller = session_caller(session)
    assert caller.principal_type == principal_type
    assert caller.user_name == user_name
    assert (caller.arn, caller.user_id) == (session.principal_arn, session.principal_id)
    assert caller.account_id == "123456789012"
    assert caller.access_key_id == session.access_key_id
    assert caller.session is session
