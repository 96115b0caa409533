"""The accounts' OpenID Connect discovery documents, served unauthenticated on the API's port:
``{issuer}/.well-known/openid-configuration`` and ``{issuer}/.well-known/jwks.json``, the issuer
being ``{public URL}/issuers/{issuer id}`` (``rolegate.services.iam.outbound_federation``).

The path is matched on its end, so a public URL with a path (a proxy that forwards
``https://example.com/rolegate/…`` unchanged) works as well as one without. Only GET and HEAD;
no body is read; the answer is a small JSON document from one indexed read, cacheable for
:data:`~rolegate.domain.outbound_federation.JWKS_MAX_AGE_SECONDS` (verifiers fetch again when a
token names a key id they lack). Public documents: any origin may read them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.outbound_federation import JWKS_MAX_AGE_SECONDS
from rolegate.services.iam import IssuerBase, issuer_document
from rolegate.store import Store

_PATH = re.compile(
    r"/issuers/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"/\.well-known/(openid-configuration|jwks\.json)"
)
MAX_PATH_CHARS = 2048


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    issuer_id: str
    document: str  # "openid-configuration" or "jwks.json"


@dataclass(frozen=True, slots=True)
class DocumentAnswer:
    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()


def document_request(path: str) -> DocumentRequest | None:
    """The issuer document a path names (its last segments), or None."""
    if len(path) > MAX_PATH_CHARS or not path.endswith(("/openid-configuration", "/jwks.json")):
        return None
    match = _PATH.search(path)
    if match is None or match.end() != len(path):
        return None
    return DocumentRequest(match.group(1), match.group(2))


def answer(
    store: Store, base: IssuerBase, request: DocumentRequest, method: str, now: datetime
) -> DocumentAnswer:
    if method not in ("GET", "HEAD"):
        return DocumentAnswer(405, b'{"error":"method not allowed"}', ((b"allow", b"GET, HEAD"),))
    which = request.document.removesuffix(".json")
    with store.transaction(write=False) as tx:
        document = issuer_document(tx, base, request.issuer_id, which, now)
    if document is None:
        return DocumentAnswer(404, b'{"error":"no such issuer"}')
    body = json.dumps(document, separators=(",", ":")).encode()
    headers = (
        (b"cache-control", f"public, max-age={JWKS_MAX_AGE_SECONDS}".encode()),
        (b"access-control-allow-origin", b"*"),
    )
    return DocumentAnswer(200, b"" if method == "HEAD" else body, headers)
