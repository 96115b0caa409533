"""OpenID Connect ID tokens: reading the unverified header and issuer, then verifying
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html;
RFC 7515, RFC 7519, RFC 8725).

Hardening, after RFC 8725 ("JWT Best Current Practices"):

- the algorithm comes from an allow-list of asymmetric signatures (RS256/384/512, ES256/384/512)
  checked before any key is touched: never ``none``, never HS* (so an RSA public key can never be
  used as an HMAC secret), never a JWE;
- the key comes only from the issuer's JWKS, must be of the algorithm's type (and curve), and a
  key's own ``alg`` / ``use`` must agree;
- ``crit`` headers are refused; compact serialization only; bounded size (20,000 characters, as
  the wire's ``WebIdentityToken`` shape) checked before anything is decoded, and header and
  claims nested at most :data:`~rolegate.federation.bounded_json.MAX_DEPTH` levels;
- ``iss`` equals the provider's URL exactly; ``aud`` (or ``azp``) is one of the provider's client
  ids; ``exp`` / ``nbf`` / ``iat`` are checked with :data:`LEEWAY_SECONDS`.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from rolegate.domain.errors import ExpiredIdentityToken, InvalidIdentityToken
from rolegate.federation.bounded_json import loads_object

LEEWAY_SECONDS = 60
MAX_TOKEN_CHARS = 20_000  # the WebIdentityToken shape's maximum length
ALLOWED_ALGORITHMS = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
PublicKey = RSAKey | ECKey

# Messages as reported from AWS STS unless marked.
NOT_A_JWT = (
    "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
)
BAD_AUDIENCE = "Incorrect token audience"
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)
BAD_ISSUER = "Issuer in token does not match the expected issuer"  # unverified
BAD_SIGNATURE = "Invalid signature"  # unverified
NOT_YET_VALID = "Token is not yet valid"  # unverified
ISSUED_IN_FUTURE = "Token was issued in the future"  # unverified


def no_provider_message(issuer: str) -> str:
    return f"No OpenIDConnect provider found in your account for {issuer}"


def missing_claim_message(name: str) -> str:
    return f"Missing a required claim: {name}"  # unverified


def expired_message(now: int, expires: int) -> str:
    # As AWS words it, including the missing space before the second number.
    return (
        f"Token expired: current date/time {now} must be before the expiration date/time{expires}"
    )


@dataclass(frozen=True, slots=True)
class UnverifiedToken:
    """What may be read before the signature is checked: only to pick the provider and key."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    algorithm: str
    key_id: str | None
    issuer: str


@dataclass(frozen=True, slots=True)
class WebIdentity:
    """A verified token's facts that AssumeRoleWithWebIdentity uses."""

    issuer: str
    subject: str
    audience: str  # the client id the token was accepted for
    claims: Mapping[str, Any]


def read_unverified(token: str) -> UnverifiedToken:
    """Split and decode the compact JWS; InvalidIdentityToken for anything that is not a signed
    JWT with an allowed algorithm and an ``iss``."""
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidIdentityToken(NOT_A_JWT)
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):  # an empty signature is an unsigned token
        raise InvalidIdentityToken(NOT_A_JWT)
    header = _json_part(parts[0])
    claims = _json_part(parts[1])
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in ALLOWED_ALGORITHMS:
        raise InvalidIdentityToken(NOT_A_JWT)
    if "crit" in header or "enc" in header:
        raise InvalidIdentityToken(NOT_A_JWT)
    key_id = header.get("kid")
    if key_id is not None and not isinstance(key_id, str):
        raise InvalidIdentityToken(NOT_A_JWT)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidIdentityToken(missing_claim_message("iss"))
    return UnverifiedToken(header, claims, algorithm, key_id, issuer)


def usable_keys(jwks: Mapping[str, Any]) -> tuple[PublicKey, ...]:
    """The RSA and EC public signing keys of a JWKS document; everything else is dropped
    (symmetric ``oct`` keys above all: a JWKS never supplies an HMAC secret)."""
    found: list[PublicKey] = []
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        return ()
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        public = {k: v for k, v in entry.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
        try:
            if entry.get("kty") == "RSA":
                found.append(RSAKey.import_key(public))
            elif entry.get("kty") == "EC":
                found.append(ECKey.import_key(public))
        except (JoseError, ValueError, TypeError):
            continue
    return tuple(found)


def candidate_keys(keys: Iterable[PublicKey], token: UnverifiedToken) -> list[PublicKey]:
    """Keys that may verify ``token``: its ``kid`` (when it has one), the algorithm's key type
    and curve, and the key's own ``alg`` if it states one."""
    kty, curve = ALLOWED_ALGORITHMS[token.algorithm]
    chosen = []
    for key in keys:
        if token.key_id is not None and key.kid != token.key_id:
            continue
        if key.key_type != kty:
            continue
        if curve is not None and key.as_dict(private=False).get("crv") != curve:
            continue
        declared = key.get("alg")
        if declared is not None and declared != token.algorithm:
            continue
        chosen.append(key)
    return chosen


def verify_signature(raw: str, token: UnverifiedToken, keys: Sequence[PublicKey]) -> None:
    """InvalidIdentityToken unless one of ``keys`` verifies the token with its own algorithm."""
    for key in keys:
        try:
            jws.deserialize_compact(raw, key, algorithms=[token.algorithm])
        except JoseError:
            continue
        return
    raise InvalidIdentityToken(BAD_SIGNATURE)


def check_claims(
    token: UnverifiedToken,
    *,
    issuer: str,
    client_ids: Sequence[str],
    now: datetime,
    leeway: int = LEEWAY_SECONDS,
) -> WebIdentity:
    """Issuer, audience and times of a token whose signature is verified."""
    claims = token.claims
    if token.issuer != issuer:
        raise InvalidIdentityToken(BAD_ISSUER)
    audience = _matching_audience(claims, client_ids)
    current = int(now.astimezone(UTC).timestamp())
    expires = _time_claim(claims, "exp", required=True)
    assert expires is not None
    if current >= expires + leeway:
        raise ExpiredIdentityToken(expired_message(current, expires))
    not_before = _time_claim(claims, "nbf", required=False)
    if not_before is not None and current + leeway < not_before:
        raise InvalidIdentityToken(NOT_YET_VALID)
    issued = _time_claim(claims, "iat", required=False)
    if issued is not None and current + leeway < issued:
        raise InvalidIdentityToken(ISSUED_IN_FUTURE)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidIdentityToken(missing_claim_message("sub"))
    return WebIdentity(issuer=token.issuer, subject=subject, audience=audience, claims=claims)


def _matching_audience(claims: Mapping[str, Any], client_ids: Sequence[str]) -> str:
    """The client id the token is for: one of its ``aud`` values, else its ``azp``
    (OpenID Connect Core 1.0, section 2: ``azp`` names the party the token was issued to)."""
    aud = claims.get("aud")
    if aud is None:
        raise InvalidIdentityToken(missing_claim_message("aud"))
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise InvalidIdentityToken(BAD_AUDIENCE)
    for value in audiences:
        if value in client_ids:
            return str(value)
    azp = claims.get("azp")
    if isinstance(azp, str) and azp in client_ids:
        return azp
    raise InvalidIdentityToken(BAD_AUDIENCE)


def _time_claim(claims: Mapping[str, Any], name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise InvalidIdentityToken(missing_claim_message(name))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidIdentityToken(NOT_A_JWT)  # 1e999 decodes as infinity
    return int(value)


def _json_part(part: str) -> dict[str, Any]:
    """A segment's JSON object: base64url, UTF-8, nesting bounded (``bounded_json``)."""
    try:
        return loads_object(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError):  # UnicodeDecodeError and TooDeep are ValueErrors
        raise InvalidIdentityToken(NOT_A_JWT) from None
