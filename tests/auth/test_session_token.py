"""Session tokens: round trip, expiry, tampering, other keys, rotation.

Their speed is measured by bench/session_token.py, not here.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.auth.keyring import PURPOSE_SESSION_TOKEN, KeyRing
from rolegate.auth.session_token import (
    EXPIRED_TOKEN_MESSAGE,
    INVALID_TOKEN_MESSAGE,
    SessionTokenCodec,
)
from rolegate.domain.errors import ExpiredToken, InvalidClientTokenId
from rolegate.domain.session import SessionClaims, SessionKind

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))
ISSUED = datetime(2026, 11, 28, 2, 0, 0, 123000, tzinfo=UTC)


def claims(**kw: object) -> SessionClaims:
    base = SessionClaims(
        kind=SessionKind.ROLE,
        account_id="123456789012",
        access_key_id="ASIAABCDEFGHIJKLMNOP",
        secret_access_key="s" * 40,
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(hours=1),
        principal_arn="arn:aws:sts::123456789012:assumed-role/app/sess",
        principal_id="AROAABCDEFGHIJKLMNOPQ:sess",
        role_arn="arn:aws:iam::123456789012:role/team/app",
        role_id="AROAABCDEFGHIJKLMNOPQ",
        session_name="sess",
        session_policy='{"Version":"2012-10-17","Statement":[]}',
        session_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        tags=(("Project", "Ünïcode"), ("team", "a")),
        transitive_tag_keys=("Project",),
        source_identity="alice",
        mfa_authenticated=True,
        mfa_authenticated_at=ISSUED - timedelta(seconds=30),
        chain_depth=1,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def codec(*keys: bytes) -> SessionTokenCodec:
    return SessionTokenCodec(KeyRing.from_master_keys(keys or (KEY_A,)))


def test_round_trip_keeps_every_claim() -> None:
    c = claims()
    token = codec().seal(c)
    assert codec().open(c.access_key_id, token, ISSUED) == c


def test_token_is_standard_base64_and_compact() -> None:
    token = codec().seal(claims())
    base64.b64decode(token, validate=True)
    assert len(token) < 700


def test_expired_at_the_expiry_instant() -> None:
    c = claims()
    token = codec().seal(c)
    codec().open(c.access_key_id, token, c.expires_at - timedelta(milliseconds=1))
    with pytest.raises(ExpiredToken) as info:
        codec().open(c.access_key_id, token, c.expires_at)
    assert info.value.message == EXPIRED_TOKEN_MESSAGE


def test_token_opens_only_with_its_access_key() -> None:
    token = codec().seal(claims())
    with pytest.raises(InvalidClientTokenId) as info:
        codec().open("ASIAZZZZZZZZZZZZZZZZ", token, ISSUED)
    assert info.value.message == INVALID_TOKEN_MESSAGE


def test_unknown_key_is_invalid_and_rotation_keeps_old_tokens() -> None:
    old_token = codec(KEY_A).seal(claims())
    with pytest.raises(InvalidClientTokenId):
        codec(KEY_B).open("ASIAABCDEFGHIJKLMNOP", old_token, ISSUED)
    rotated = codec(KEY_B, KEY_A)
    assert rotated.open("ASIAABCDEFGHIJKLMNOP", old_token, ISSUED) == claims()
    new_token = rotated.seal(claims())
    with pytest.raises(InvalidClientTokenId):
        codec(KEY_A).open("ASIAABCDEFGHIJKLMNOP", new_token, ISSUED)


@pytest.mark.parametrize("garbage", ["", "not base64!", "AAAA", "QUJD" * 40, "é"])
def test_garbage_is_invalid(garbage: str) -> None:
    with pytest.raises(InvalidClientTokenId):
        codec().open("ASIAABCDEFGHIJKLMNOP", garbage, ISSUED)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_changed_byte_is_invalid(data: st.DataObject) -> None:
    token = codec().seal(claims())
    raw = bytearray(base64.b64decode(token))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(InvalidClientTokenId):
        codec().open("ASIAABCDEFGHIJKLMNOP", base64.b64encode(bytes(raw)).decode(), ISSUED)


def test_minimal_claims_round_trip() -> None:
    c = SessionClaims(
        kind=SessionKind.SESSION_TOKEN,
        account_id="123456789012",
        access_key_id="ASIAQQQQQQQQQQQQQQQQ",
        secret_access_key="x" * 40,
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(hours=12),
        principal_arn="arn:aws:iam::123456789012:root",
        principal_id="123456789012",
    )
    assert codec().open(c.access_key_id, codec().seal(c), ISSUED) == c


def test_remembered_tokens_still_expire_and_forgeries_stay_out() -> None:
    c = claims()
    box = SessionTokenCodec(KeyRing.from_master_key(KEY_A), cache_size=2)
    token = box.seal(c)
    assert box.open(c.access_key_id, token, ISSUED) == c
    assert box.open(c.access_key_id, token, ISSUED) == c  # from memory
    with pytest.raises(ExpiredToken):
        box.open(c.access_key_id, token, c.expires_at)
    with pytest.raises(InvalidClientTokenId):
        box.open("ASIAZZZZZZZZZZZZZZZZ", token, ISSUED)
    for _ in range(5):  # past the memory's size: it starts afresh and keeps working
        other = box.seal(replace(c, session_name="x"))
        assert box.open(c.access_key_id, other, ISSUED).session_name == "x"


def _sealed_layout(fields: list[object], access_key_id: str) -> str:
    """A token of any claims layout, sealed as the codec seals (to open older layouts)."""
    ring = KeyRing.from_master_key(KEY_A)
    payload = zlib.compress(json.dumps(fields, separators=(",", ":")).encode())
    aad = access_key_id.encode("ascii")
    return base64.b64encode(ring.seal(payload, purpose=PURPOSE_SESSION_TOKEN, aad=aad)).decode()


def test_the_source_users_unique_id_round_trips_and_older_tokens_open_without_it() -> None:
    """Layout 2 carries the unique id of the user behind GetSessionToken and GetFederationToken
    sessions; tokens of layout 1, sealed before it, still open (SAML keys too) with None."""
    federated = claims(
        kind=SessionKind.FEDERATED_USER,
        role_arn=None,
        role_id=None,
        source_user_arn="arn:aws:iam::123456789012:user/bob",
        source_user_id="AIDABOB0000000000000",
    )
    assert codec().open(federated.access_key_id, codec().seal(federated), ISSUED) == federated
    c = claims(federated_keys=(("saml:sub", "alice"),))
    assert codec().open(c.access_key_id, codec().seal(c), ISSUED) == c
    layout_1: list[object] = [
        1, c.kind, c.account_id, c.access_key_id, c.secret_access_key,
        round(c.issued_at.timestamp() * 1000), round(c.expires_at.timestamp() * 1000),
        c.principal_arn, c.principal_id, c.role_arn, c.role_id, c.session_name,
        c.source_user_arn, c.session_policy, list(c.session_policy_arns),
        [list(t) for t in c.tags], list(c.transitive_tag_keys), c.source_identity, 1,
        round(c.mfa_authenticated_at.timestamp() * 1000) if c.mfa_authenticated_at else None,
        c.chain_depth, c.federated_provider,
    ]  # fmt: skip
    for fields, expected in (
        (layout_1, replace(c, federated_keys=())),
        ([*layout_1, [["saml:sub", "alice"]]], c),
    ):
        token = _sealed_layout(fields, c.access_key_id)
        assert codec().open(c.access_key_id, token, ISSUED) == expected
    with pytest.raises(InvalidClientTokenId):  # an unknown layout
        codec().open(c.access_key_id, _sealed_layout([9, *layout_1[1:]], c.access_key_id), ISSUED)


def test_scope_down_layers_round_trip_and_other_tokens_keep_layout_2() -> None:
    """GetScopedCredentials' layers travel in layout 3, with or without SAML keys; tokens
    without layers are sealed in layout 2, no larger than before."""
    plain = claims()
    scoped = replace(plain, scope_policies=('{"a":1}', '{"b":2}'))
    saml = replace(scoped, federated_keys=(("saml:sub", "alice"),))
    for c in (plain, scoped, saml):
        assert codec().open(c.access_key_id, codec().seal(c), ISSUED) == c
    ring = KeyRing.from_master_key(KEY_A)

    def layout(c: SessionClaims) -> object:
        sealed = base64.b64decode(codec().seal(c))
        aad = c.access_key_id.encode("ascii")
        return json.loads(
            zlib.decompress(ring.open(sealed, purpose=PURPOSE_SESSION_TOKEN, aad=aad))
        )[0]

    assert (layout(plain), layout(scoped), layout(saml)) == (2, 3, 3)


@pytest.mark.parametrize("min_length", [0, 1, 500, 1001, 1002, 1003, 1004, 4096])
def test_a_minimum_length_pads_the_token_and_it_still_opens(min_length: int) -> None:
    c = claims()
    plain = codec().seal(c)
    token = codec().seal(c, min_length=min_length)
    assert len(token) >= min_length
    assert len(token) == len(plain) or len(token) < min_length + 4  # no more than needed
    assert codec().open(c.access_key_id, token, ISSUED) == c
