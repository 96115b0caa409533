"""The JWT rules of ``federation.oidc_jwt`` on tokens made here (no network): what is refused
before any key is touched, which keys may verify a token, and the time and audience edges."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from rolegate.domain.errors import ExpiredIdentityToken, InvalidIdentityToken
from rolegate.federation.oidc_jwt import (
    BAD_AUDIENCE,
    LEEWAY_SECONDS,
    NOT_A_JWT,
    candidate_keys,
    check_claims,
    read_unverified,
    usable_keys,
    verify_signature,
)

ISSUER = "https://issuer.example.com/tenant"
NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
T = int(NOW.timestamp())
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa"})
P256 = ECKey.generate_key("P-256", parameters={"kid": "p256"})
P384 = ECKey.generate_key("P-384", parameters={"kid": "p384"})


def _b64(value: Any) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(key: RSAKey | ECKey = RSA, alg: str = "RS256", **claims: Any) -> str:
    body = {"iss": ISSUER, "sub": "subject-1", "aud": "app", "exp": T + 600, "iat": T, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": key.kid}, body, key, algorithms=[alg])


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "HS256"},
        {"alg": "HS512"},
        {"alg": "PS256"},  # not in AWS's list either
        {"alg": "RS256", "crit": ["exp"]},
        {"alg": "RSA-OAEP", "enc": "A256GCM"},
        {"alg": "RS256", "kid": 7},
        {"alg": ["RS256"]},
    ],
)
def test_refused_before_any_key(header: dict[str, Any]) -> None:
    forged = f"{_b64(header)}.{_b64({'iss': ISSUER})}.c2ln"
    with pytest.raises(InvalidIdentityToken) as caught:
        read_unverified(forged)
    assert str(caught.value) == NOT_A_JWT


@pytest.mark.parametrize(
    "text",
    ["", "a.b", "a.b.c.d.e", "e30.e30.", "!!.e30.c2ln", f"{_b64([1])}.e30.c2ln", "e30.W10.c2ln"],
)
def test_not_a_compact_jws(text: str) -> None:
    with pytest.raises(InvalidIdentityToken):
        read_unverified(text)


def test_keys_by_kid_type_and_curve() -> None:
    """An ES256 token never meets a P-384 or RSA key; a key's own alg must agree; a JWKS never
    supplies a symmetric key."""
    jwks = {
        "keys": [
            RSA.as_dict(private=False),
            P256.as_dict(private=False),
            {**P384.as_dict(private=False), "kid": "p256-impostor"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "rsa"},
            {**RSA.as_dict(private=False), "kid": "enc", "use": "enc"},
            {**RSA.as_dict(private=False), "kid": "pinned", "alg": "RS512"},
        ]
    }
    keys = usable_keys(jwks)
    assert sorted(k.kid or "" for k in keys) == ["p256", "p256-impostor", "pinned", "rsa"]
    es = read_unverified(token(P256, "ES256"))
    assert [k.kid for k in candidate_keys(keys, es)] == ["p256"]
    no_kid = read_unverified(f"{_b64({'alg': 'ES256'})}.{token(P256, 'ES256').split('.', 1)[1]}")
    assert [k.kid for k in candidate_keys(keys, no_kid)] == ["p256"]  # P-384 never for ES256
    pinned = read_unverified(
        f"{_b64({'alg': 'RS256', 'kid': 'pinned'})}.{token().split('.', 1)[1]}"
    )
    assert candidate_keys(keys, pinned) == []  # the key says RS512 only


def test_signature_checked_with_the_tokens_own_algorithm() -> None:
    good = token()
    verify_signature(good, read_unverified(good), [RSAKey.import_key(RSA.as_dict(private=False))])
    other = RSAKey.generate_key(2048, parameters={"kid": "rsa"})
    with pytest.raises(InvalidIdentityToken):
        verify_signature(good, read_unverified(good), [other])
    head, _, sig = good.split(".")
    tampered = f"{head}.{_b64({'iss': ISSUER, 'sub': 'root'})}.{sig}"
    with pytest.raises(InvalidIdentityToken):
        verify_signature(tampered, read_unverified(tampered), [RSA])


def check(raw: str, now: datetime = NOW, client_ids: tuple[str, ...] = ("app",)) -> str:
    return check_claims(
        read_unverified(raw), issuer=ISSUER, client_ids=client_ids, now=now
    ).audience


def test_time_edges_with_leeway() -> None:
    assert check(token(exp=T - LEEWAY_SECONDS + 1)) == "app"
    with pytest.raises(ExpiredIdentityToken) as caught:
        check(token(exp=T - LEEWAY_SECONDS))
    assert caught.value.code == "ExpiredTokenException"
    assert str(caught.value) == (
        f"Token expired: current date/time {T} must be before the expiration date/time"
        f"{T - LEEWAY_SECONDS}"
    )
    assert check(token(nbf=T + LEEWAY_SECONDS)) == "app"
    with pytest.raises(InvalidIdentityToken):
        check(token(nbf=T + LEEWAY_SECONDS + 1))
    with pytest.raises(InvalidIdentityToken):
        check(token(iat=T + LEEWAY_SECONDS + 1))
    for bad in ("soon", True, None):
        with pytest.raises(InvalidIdentityToken):
            check(token(exp=bad))
    assert check(token(), now=NOW + timedelta(seconds=600 + LEEWAY_SECONDS - 1)) == "app"


def test_audience_issuer_and_subject() -> None:
    assert check(token(aud=["x", "app"])) == "app"
    assert check(token(aud="x", azp="app")) == "app"
    for aud in ("x", ["x", "y"], [1], {"app": 1}, None):
        with pytest.raises(InvalidIdentityToken):
            check(token(aud=aud))
    with pytest.raises(InvalidIdentityToken) as caught:
        check(token(aud="APP"))  # client ids are case-sensitive
    assert str(caught.value) == BAD_AUDIENCE
    with pytest.raises(InvalidIdentityToken):
        check(token(iss=ISSUER + "/"))
    with pytest.raises(InvalidIdentityToken):
        check(token(sub=None))
