"""rolegate as an OpenID Connect issuer: signing keys, signed identity tokens, and the discovery
documents verifiers read (OpenID Connect Discovery 1.0, RFC 7517, RFC 7519;
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_token_claims.html).

Keys are RSA 2048 (RS256) and P-384 (ES384). Signing goes through joserfc, the JOSE library that
also verifies inbound tokens (``oidc_jwt``). Loading a private key costs more than a signature
(RSA checks its parameters), so a node keeps the loaded keys by key id (:class:`SigningKeys`):
a key id names one immutable key.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeyParameters, RSAKey

PrivateKey = RSAKey | ECKey
# The JWKS ``kty`` / curve of each algorithm GetWebIdentityToken signs with.
_GENERATORS: dict[str, Callable[[KeyParameters], PrivateKey]] = {
    "RS256": lambda params: RSAKey.generate_key(2048, parameters=params, private=True),
    "ES384": lambda params: ECKey.generate_key("P-384", parameters=params, private=True),
}
_IMPORTERS: dict[str, Callable[[bytes], PrivateKey]] = {
    "RS256": RSAKey.import_key,
    "ES384": ECKey.import_key,
}
MAX_CACHED_KEYS = 1024


def new_key_id(algorithm: str) -> str:
    """A random key id that names its algorithm, as ``kid`` and the store's primary key."""
    return f"{algorithm.lower()}-{secrets.token_hex(16)}"


def generate_key(algorithm: str, key_id: str) -> tuple[bytes, str]:
    """A new key: its private half as PKCS#8 DER (to be sealed) and its public JWK as JSON."""
    key = _GENERATORS[algorithm]({"kid": key_id, "use": "sig", "alg": algorithm})
    public = key.as_dict(private=False)
    return key.as_der(private=True), json.dumps(public, sort_keys=True, separators=(",", ":"))


class SigningKeys:
    """The node's loaded private keys by key id (bounded; a key id is never reused)."""

    def __init__(self) -> None:
        self._keys: dict[str, PrivateKey] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> PrivateKey | None:
        return self._keys.get(key_id)

    def load(self, key_id: str, algorithm: str, private_der: bytes) -> PrivateKey:
        key = _IMPORTERS[algorithm](private_der)
        with self._lock:
            if len(self._keys) >= MAX_CACHED_KEYS:
                self._keys.clear()
            self._keys[key_id] = key
        return key


def sign_token(key: PrivateKey, key_id: str, algorithm: str, claims: Mapping[str, Any]) -> str:
    """The compact JWS of ``claims`` (header: ``alg``, ``kid``, ``typ`` JWT)."""
    header = {"alg": algorithm, "kid": key_id, "typ": "JWT"}
    return jwt.encode(header, dict(claims), key, algorithms=[algorithm])


def discovery_document(issuer: str) -> dict[str, Any]:
    """The OpenID Provider Metadata of an issuer that only signs tokens: no authorization or
    token endpoint, so only the members a verifier reads."""
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES384"],
        "claims_supported": ["aud", "exp", "iat", "iss", "jti", "scope", "sub"],
    }


def jwks_document(public_jwks: list[str]) -> dict[str, Any]:
    """The JWK Set of the given public keys (each the JSON ``generate_key`` returned)."""
    return {"keys": [json.loads(text) for text in public_jwks]}
