"""HTTPS GET of an issuer's discovery document and JWKS, with the server's certificate chain.

TLS always verifies the server (host name and chain) against the system's roots, or against the CA
bundle the operator names (``--oidc-ca-bundle``) for an issuer with a private CA. Each answer also
carries the SHA-1 thumbprints of the CA certificates of the verified chain, for the
provider-thumbprint check
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
No redirects, bounded size and nesting (``bounded_json``), short timeouts: an issuer that misbehaves
costs one failed call.
"""

from __future__ import annotations

import hashlib
import http.client
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rolegate.federation.bounded_json import loads_object

MAX_DOCUMENT_BYTES = 512 * 1024
TIMEOUT_SECONDS = 5.0


class FetchError(Exception):
    """The issuer could not be reached or answered something unusable (reason for the logs)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    document: dict[str, Any]
    ca_thumbprints: tuple[str, ...]  # lower-case hex SHA-1 of each CA certificate in the chain


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Host name checking and chain verification on; system roots or ``ca_bundle``."""
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def fetch_json(url: str, context: ssl.SSLContext, timeout: float = TIMEOUT_SECONDS) -> Fetched:
    """GET ``url`` (https only) and parse its JSON object body."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise FetchError(f"not an https URL: {url!r}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPSConnection(
        parts.hostname, parts.port or 443, timeout=timeout, context=context
    )
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        thumbprints = _ca_thumbprints(connection.sock)
        response = connection.getresponse()
        if response.status != 200:
            raise FetchError(f"{url}: HTTP {response.status}")
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"{url}: {exc}") from exc
    finally:
        connection.close()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise FetchError(f"{url}: larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = loads_object(body)
    except ValueError as exc:
        raise FetchError(f"{url}: not a JSON object ({exc})") from exc
    return Fetched(document, thumbprints)


def certificate_thumbprint(der: bytes) -> str:
    """IAM's thumbprint: hex SHA-1 of the DER certificate (not a secret; SHA-1 is AWS's)."""
    return hashlib.sha1(der, usedforsecurity=False).hexdigest()


def _ca_thumbprints(sock: Any) -> tuple[str, ...]:
    """Thumbprints of the verified chain without its leaf (unless the leaf is all there is).

    ``get_verified_chain`` is public from Python 3.13; 3.11 and 3.12 have it on the
    underlying ``_ssl`` object."""
    getter = getattr(sock, "get_verified_chain", None)
    if getter is None:
        getter = getattr(getattr(sock, "_sslobj", None), "get_verified_chain", None)
    if getter is None:
        return ()
    chain = getter()
    return tuple(certificate_thumbprint(_der(cert)) for cert in (chain[1:] or chain))


def _der(cert: Any) -> bytes:
    if isinstance(cert, bytes):
        return cert
    return bytes(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
