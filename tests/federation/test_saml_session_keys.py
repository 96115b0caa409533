"""The SAML keys a session keeps (saml:namequalifier, saml:sub, saml:sub_type): sealed in the
session token and seen by the session's later requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rolegate.auth.keyring import KeyRing
from rolegate.auth.session_token import SessionTokenCodec
from rolegate.domain.caller import Caller
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.authz.request_context import session_context

ISSUED = datetime(2026, 11, 28, 2, 0, 0, 123000, tzinfo=UTC)
KEYS = (("saml:namequalifier", "q+/="), ("saml:sub", "_abc"), ("saml:sub_type", "persistent"))
CLAIMS = SessionClaims(
    kind=SessionKind.ROLE,
    account_id="123456789012",
    access_key_id="ASIAABCDEFGHIJKLMNOP",
    secret_access_key="s" * 40,
    issued_at=ISSUED,
    expires_at=ISSUED + timedelta(hours=1),
    principal_arn="arn:aws:sts::123456789012:assumed-role/app/alice",
    principal_id="AROAABCDEFGHIJKLMNOPQ:alice",
    role_arn="arn:aws:iam::123456789012:role/app",
    role_id="AROAABCDEFGHIJKLMNOPQ",
    session_name="alice",
    federated_provider="arn:aws:iam::123456789012:saml-provider/Corp",
    federated_keys=KEYS,
)


def test_the_keys_survive_the_session_token() -> None:
    codec = SessionTokenCodec(KeyRing.from_master_keys((bytes(range(32)),)))
    assert codec.open(CLAIMS.access_key_id, codec.seal(CLAIMS), ISSUED) == CLAIMS
    plain = replace(CLAIMS, federated_keys=())
    assert codec.open(CLAIMS.access_key_id, codec.seal(plain), ISSUED) == plain


def test_later_requests_see_the_keys() -> None:
    caller = Caller("123456789012", "role_session", CLAIMS.principal_arn, "x", session=CLAIMS)
    context = session_context(caller, ISSUED)
    assert {key: context[key] for key, _ in KEYS} == dict(KEYS)
    assert context["aws:FederatedProvider"] == CLAIMS.federated_provider
