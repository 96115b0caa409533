"""Verify a web identity token against its IAM OIDC provider (AssumeRoleWithWebIdentity).

Order: the issuer's keys (cached, :mod:`oidc_keys`), the provider's thumbprints against the
JWKS host's certificate chain, the key for the token's ``kid`` and algorithm, the signature, and
only then the claims (:mod:`oidc_jwt`).

Thumbprints
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html):
the connection is always verified against trusted roots (system or ``--oidc-ca-bundle``). When the
provider lists thumbprints, the JWKS host's chain must also contain a CA certificate with one of
them; AWS skips this check for IdPs whose CA is in its own trusted library, rolegate cannot tell
those apart and checks whenever thumbprints are configured. A provider without thumbprints relies on
the roots.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.domain.oidc_provider import OidcProvider
from rolegate.federation.oidc_jwt import (
    LEEWAY_SECONDS,
    NO_KEY,
    UnverifiedToken,
    WebIdentity,
    candidate_keys,
    check_claims,
    verify_signature,
)
from rolegate.federation.oidc_keys import OidcKeyCache

THUMBPRINT_MISMATCH = (
    "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
)


class WebIdentityVerifier:
    def __init__(self, keys: OidcKeyCache, *, leeway: int = LEEWAY_SECONDS) -> None:
        self.keys = keys
        self._leeway = leeway

    def verify(
        self, raw: str, token: UnverifiedToken, provider: OidcProvider, now: datetime
    ) -> WebIdentity:
        entry = self.keys.keys_for(provider.issuer, token.key_id)
        if provider.thumbprints and not thumbprint_matches(
            entry.ca_thumbprints, provider.thumbprints
        ):
            raise InvalidIdentityToken(THUMBPRINT_MISMATCH)
        keys = candidate_keys(entry.keys, token)
        if not keys:
            raise InvalidIdentityToken(NO_KEY)
        verify_signature(raw, token, keys)
        return check_claims(
            token,
            issuer=provider.issuer,
            client_ids=provider.client_ids,
            now=now,
            leeway=self._leeway,
        )


def thumbprint_matches(presented: Sequence[str], configured: Sequence[str]) -> bool:
    """Any presented CA thumbprint equal to a configured one (constant-time comparisons)."""
    found = False
    for mine in presented:
        for theirs in configured:
            found |= hmac.compare_digest(mine.lower().encode(), theirs.lower().encode())
    return found
