"""Each issuer's signing keys: OpenID discovery, then the JWKS, cached per node.

- ``ISSUER/.well-known/openid-configuration`` names the ``jwks_uri`` (OpenID Connect Discovery
  1.0, section 4); its ``issuer`` must be the issuer asked for, and the JWKS must be https.
- An entry lives :attr:`OidcKeyCache.max_age` seconds; a token with a ``kid`` the entry does not
  have triggers one refresh (key rotation), but never sooner than :attr:`refresh_floor` after the
  last fetch, so a flood of tokens with made-up ``kid`` values costs the issuer one request per
  floor, not one per token.
- One fetch per issuer at a time (a lock per issuer); other issuers are not held up.
- The entry keeps the SHA-1 thumbprints of the CA certificates the JWKS host presented, for the
  provider-thumbprint check, which is made on every token against the provider's current list.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.oidc_http import Fetched, FetchError, fetch_json
from rolegate.federation.oidc_jwt import NO_KEY, PublicKey, usable_keys

log = logging.getLogger("rolegate.oidc")

DEFAULT_MAX_AGE = 3600.0
DEFAULT_REFRESH_FLOOR = 60.0
MAX_ISSUERS = 1024
# An issuer whose keys cannot be fetched (unreachable, untrusted TLS, an unusable document) gets
# InvalidIdentityToken with AWS's key-retrieval text, as recorded from STS when GitHub's issuer
# failed intermittently (aws/aws-cli#7194) and during an outage (awslabs/aws-sdk-rust#827, the
# raw ErrorResponse); the model's IDPCommunicationError is not what STS answered there.
UNREACHABLE = NO_KEY

Fetcher = Callable[[str, ssl.SSLContext], Fetched]


@dataclass(frozen=True, slots=True)
class IssuerKeys:
    keys: tuple[PublicKey, ...]
    ca_thumbprints: tuple[str, ...]
    fetched_at: float  # monotonic seconds

    def has(self, key_id: str | None) -> bool:
        return key_id is None or any(key.kid == key_id for key in self.keys)


class OidcKeyCache:
    def __init__(
        self,
        context: ssl.SSLContext,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        refresh_floor: float = DEFAULT_REFRESH_FLOOR,
        monotonic: Callable[[], float] = time.monotonic,
        fetch: Fetcher = fetch_json,
    ) -> None:
        self._context = context
        self.max_age = max_age
        self.refresh_floor = refresh_floor
        self._monotonic = monotonic
        self._fetch = fetch
        self._entries: OrderedDict[str, IssuerKeys] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def keys_for(self, issuer: str, key_id: str | None) -> IssuerKeys:
        """The issuer's keys, fetched when missing, too old, or lacking ``key_id`` (at most once
        per refresh floor). InvalidIdentityToken when a needed fetch fails."""
        entry = self._fresh(issuer, key_id)
        if entry is not None:
            return entry
        with self._lock(issuer):
            entry = self._fresh(issuer, key_id)  # another thread may have fetched meanwhile
            if entry is not None:
                return entry
            try:
                entry = self._discover(issuer)
            except FetchError as exc:
                log.warning("OIDC issuer %s: %s", issuer, exc)
                entry = self._after_failed_refresh(issuer)
            with self._guard:
                self._entries[issuer] = entry
                self._entries.move_to_end(issuer)
                while len(self._entries) > MAX_ISSUERS:
                    self._entries.popitem(last=False)
            return entry

    def _fresh(self, issuer: str, key_id: str | None) -> IssuerKeys | None:
        with self._guard:
            entry = self._entries.get(issuer)
        if entry is None:
            return None
        age = self._monotonic() - entry.fetched_at
        if age >= self.max_age:
            return None
        if entry.has(key_id) or age < self.refresh_floor:
            return entry  # unknown kid within the floor: the caller refuses the token
        return None

    def _after_failed_refresh(self, issuer: str) -> IssuerKeys:
        """A refresh for an unknown ``kid`` failed: keep the keys we have (the token is refused
        for its key) and wait a floor before trying again; with nothing usable, the issuer is
        unreachable."""
        with self._guard:
            entry = self._entries.get(issuer)
        if entry is None or self._monotonic() - entry.fetched_at >= self.max_age:
            raise InvalidIdentityToken(UNREACHABLE)
        return IssuerKeys(entry.keys, entry.ca_thumbprints, self._monotonic())

    def _lock(self, issuer: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(issuer, threading.Lock())

    def _discover(self, issuer: str) -> IssuerKeys:
        found = discover(issuer, self._context, self._fetch)
        return IssuerKeys(found.keys, found.ca_thumbprints, self._monotonic())


@dataclass(frozen=True, slots=True)
class Discovered:
    jwks_uri: str
    keys: tuple[PublicKey, ...]
    ca_thumbprints: tuple[str, ...]  # of the JWKS host's chain, leaf excluded, root last


def discover(issuer: str, context: ssl.SSLContext, fetch: Fetcher = fetch_json) -> Discovered:
    """The issuer's discovery document, then its JWKS (FetchError when either fails)."""
    discovery = fetch(f"{issuer.rstrip('/')}/.well-known/openid-configuration", context)
    if discovery.document.get("issuer") != issuer:
        raise FetchError(f"discovery names issuer {discovery.document.get('issuer')!r}")
    jwks_uri = discovery.document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or urlsplit(jwks_uri).scheme != "https":
        raise FetchError(f"jwks_uri {jwks_uri!r} is not an https URL")
    jwks = fetch(jwks_uri, context)
    return Discovered(jwks_uri, usable_keys(jwks.document), jwks.ca_thumbprints)
