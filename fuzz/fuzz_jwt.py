"""atheris: web identity tokens (federation/oidc_jwt.py): the compact JWS split and decoded,
its claims checked, its signature verified against a provider's keys."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import atheris

with atheris.instrument_imports():
    from joserfc.jwk import RSAKey

    from rolegate.domain.errors import AwsError
    from rolegate.federation.oidc_jwt import (
        candidate_keys,
        check_claims,
        read_unverified,
        usable_keys,
        verify_signature,
    )

from common import run

ISSUER = "https://issuer.example.com"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
KEYS = usable_keys({"keys": [KEY.as_dict(private=False)]})


def test_one(data: bytes) -> None:
    token = data.decode("utf-8", "replace")
    try:
        unverified = read_unverified(token)
        verify_signature(token, unverified, candidate_keys(KEYS, unverified))
        check_claims(unverified, issuer=ISSUER, client_ids=["app"], now=NOW)
    except AwsError:
        return


def _segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _seed_token() -> bytes:
    from joserfc import jwt

    claims = {"iss": ISSUER, "sub": "s", "aud": ["app"], "exp": 1_900_000_000, "iat": 1_700_000_000}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, KEY).encode()


SEEDS = [
    _seed_token(),
    f"{_segment({'alg': 'RS256'})}.{_segment({'iss': ISSUER, 'nbf': 1e999})}.c2ln".encode(),
    f"{_segment({'alg': 'ES256', 'kid': 3})}.{_segment({'iss': ISSUER, 'aud': 'app'})}.x".encode(),
]

if __name__ == "__main__":
    run(test_one, SEEDS)
