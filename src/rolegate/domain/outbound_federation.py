"""Outbound web identity federation: an account's own OpenID Connect issuer, whose signed tokens
(STS GetWebIdentityToken) outside services verify through discovery
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound.html).

An account has at most one issuer, created by EnableOutboundWebIdentityFederation and kept when
the feature is disabled (tokens issued before stay verifiable), and signing keys per algorithm:
one active key per algorithm, and the retired ones still published until every token they signed
has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The algorithms GetWebIdentityToken's SigningAlgorithm names (the sts model's documentation).
SIGNING_ALGORITHMS = ("RS256", "ES384")
MIN_TOKEN_SECONDS = 60
MAX_TOKEN_SECONDS = 3600
DEFAULT_TOKEN_SECONDS = 300
# How long a retired key stays published: the longest token it can have signed, plus the
# JWKS's cache lifetime (``Cache-Control``) so a verifier's cached copy never lacks it.
JWKS_MAX_AGE_SECONDS = 300
RETIRED_KEY_PUBLISHED = timedelta(seconds=MAX_TOKEN_SECONDS + JWKS_MAX_AGE_SECONDS)
# Where an issuer lives under the server's public URL: ``{public url}/issuers/{issuer id}``.
ISSUER_PATH_PREFIX = "/issuers/"


@dataclass(frozen=True, slots=True)
class OutboundIssuer:
    account_id: str
    issuer_id: str  # a random UUID: the last segment of the issuer URL
    enabled: bool
    create_date: datetime


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One signing key; ``private_der`` (PKCS#8) is sealed at rest by the store."""

    key_id: str  # the JWS ``kid``
    account_id: str
    algorithm: str  # RS256 or ES384
    public_jwk: str  # the JSON object published in the JWKS
    create_date: datetime
    retire_date: datetime | None = None

    def published_at(self, now: datetime) -> bool:
        """Active keys and keys retired recently enough that tokens they signed may be alive."""
        return self.retire_date is None or now < self.retire_date + RETIRED_KEY_PUBLISHED


def issuer_url(base_url: str, issuer_id: str) -> str:
    """``base_url`` is the server's public URL (``--public-url``), without a trailing slash."""
    return f"{base_url.rstrip('/')}{ISSUER_PATH_PREFIX}{issuer_id}"
