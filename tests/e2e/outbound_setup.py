"""Fixtures for the outbound web identity federation tests: a rolegate server per backend whose
public URL is a TLS relay in front of it (``tls_relay``), so that its accounts' issuers are https
and rolegate itself can register them as OpenID Connect providers (it trusts the test CA through
``ROLEGATE_OIDC_CA_BUNDLE``), and verifiers nobody here wrote: PyJWT and jose from npm.

Test modules import the fixtures by name (``from outbound_setup import ...``).
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from oidc_issuer import IssuerCa
from oidc_setup import OidcServer, issuer_ca  # noqa: F401 - the fixture, by name
from tls_relay import TlsRelay

from conftest_db import fresh_database_url

JS_DIR = Path(__file__).resolve().parent.parent / "js-oidc"


@dataclass
class IssuerServer(OidcServer):
    relay: TlsRelay | None = None

    @property
    def public_url(self) -> str:
        assert self.relay is not None
        return self.relay.url


@pytest.fixture(scope="session")
def issuer_server(
    backend: str,
    issuer_ca: IssuerCa,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[IssuerServer]:
    relay = TlsRelay(issuer_ca)
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"issuer-db-{backend}")) as url:
        data_dir = tmp_path_factory.mktemp(f"issuer-data-{backend}")
        srv = IssuerServer(
            data_dir,
            url,
            ca_bundle=issuer_ca.bundle,
            args=("--public-url", relay.url, "--log-level", "info"),
            relay=relay,
        )
        srv.start()
        relay.start(srv.port)
        try:
            yield srv
        finally:
            relay.stop()
            srv.stop()


def tls_context(ca: IssuerCa) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca.bundle))


def pyjwt_verify(
    token: str, issuer: str, audience: str, ca: IssuerCa, **options: Any
) -> dict[str, Any]:
    """PyJWT through discovery: the issuer's document names the JWKS, PyJWKClient fetches it
    and picks the token's key id."""
    context = tls_context(ca)
    import urllib.request

    with urllib.request.urlopen(
        f"{issuer}/.well-known/openid-configuration", context=context, timeout=10
    ) as answer:
        discovery = json.load(answer)
    assert discovery["issuer"] == issuer
    client = jwt.PyJWKClient(discovery["jwks_uri"], cache_keys=False, ssl_context=context)
    key = client.get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key,
        algorithms=["RS256", "ES384"],
        audience=audience,
        issuer=issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        **options,
    )
    return claims


@pytest.fixture(scope="session")
def jose_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/js-oidc installed with ``npm ci`` (its committed lock file) in a scratch copy."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed (.ci/apt-packages lists nodejs and npm)")
    work = tmp_path_factory.mktemp("js-oidc")
    for name in ("package.json", "package-lock.json", "verify.mjs"):
        shutil.copy(JS_DIR / name, work / name)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return work


def jose_verify(work: Path, ca: IssuerCa, requests: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each ``{token, issuer, audience}`` verified by jose (``verify.mjs``)."""
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca.bundle)}
    done = subprocess.run(
        ["node", "verify.mjs"],
        cwd=work,
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results
