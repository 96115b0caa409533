# ruff: noqa: F811 - the fixtures imported from oidc_setup are parameters here
"""The JWKS cache's lifetimes against the real loopback issuer, with an injected monotonic
clock: a warm entry serves without network, an unknown kid refreshes at most once per floor, an
entry older than its lifetime is fetched again, and a failed refresh keeps the keys it had."""

from __future__ import annotations

import pytest
from oidc_issuer import Issuer, IssuerCa
from oidc_setup import issuer, issuer_ca  # noqa: F401 - fixtures

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.oidc_http import tls_context
from rolegate.federation.oidc_keys import OidcKeyCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lifetimes(issuer: Issuer, issuer_ca: IssuerCa) -> None:
    clock = Clock()
    cache = OidcKeyCache(
        tls_context(issuer_ca.bundle), max_age=600, refresh_floor=30, monotonic=clock
    )
    tenant = issuer.tenant("cache-life")
    url = issuer.issuer_url(tenant)
    first = tenant.keys[0].kid
    assert cache.keys_for(url, first).has(first)
    assert issuer.fetches(tenant) == 1
    clock.now += 10
    cache.keys_for(url, first)
    assert issuer.fetches(tenant) == 1  # warm
    rotated = tenant.add_key("P-256").kid
    assert not cache.keys_for(url, rotated).has(rotated)  # within the floor: no fetch
    assert issuer.fetches(tenant) == 1
    clock.now += 25  # 35 s after the fetch: past the floor
    assert cache.keys_for(url, rotated).has(rotated)
    assert issuer.fetches(tenant) == 2
    for _ in range(5):  # a flood of made-up kids within the floor costs nothing
        assert not cache.keys_for(url, "made-up").has("made-up")
    assert issuer.fetches(tenant) == 2
    clock.now += 601  # past the lifetime: fetched again even for a known kid
    cache.keys_for(url, first)
    assert issuer.fetches(tenant) == 3


def test_failed_refresh_keeps_keys_and_a_cold_failure_is_idp_communication_error(
    issuer: Issuer, issuer_ca: IssuerCa
) -> None:
    clock = Clock()
    cache = OidcKeyCache(
        tls_context(issuer_ca.bundle), max_age=600, refresh_floor=30, monotonic=clock
    )
    tenant = issuer.tenant("cache-fail")
    url = issuer.issuer_url(tenant)
    kid = tenant.keys[0].kid
    cache.keys_for(url, kid)
    del issuer.tenants[tenant.name]  # the issuer now answers 404
    clock.now += 40
    kept = cache.keys_for(url, "new-kid")
    assert kept.has(kid) and not kept.has("new-kid")
    fetched = issuer.served[f"{tenant.name} openid-configuration"]
    cache.keys_for(url, "new-kid")  # the failure restarted the floor: no new attempt
    assert issuer.served[f"{tenant.name} openid-configuration"] == fetched
    with pytest.raises(InvalidIdentityToken):
        cache.keys_for(f"{url}-never-served", None)


def test_discovery_must_name_the_same_issuer(issuer: Issuer, issuer_ca: IssuerCa) -> None:
    """A discovery document for another issuer (here: the URL with a trailing slash asks for
    /t/NAME/ whose document names /t/NAME) is not trusted."""
    cache = OidcKeyCache(tls_context(issuer_ca.bundle))
    tenant = issuer.tenant("cache-iss")
    with pytest.raises(InvalidIdentityToken):
        cache.keys_for(issuer.issuer_url(tenant) + "/", None)
