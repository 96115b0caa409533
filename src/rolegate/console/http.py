"""The console's requests and replies, and the headers every reply carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

# Scripts, styles and requests from this origin only; no framing, no inline script or style,
# forms post here only (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = (
    ("content-security-policy", CSP),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    # not "no-referrer": browsers then send "Origin: null" with the console's own forms
    ("referrer-policy", "same-origin"),
    ("cache-control", "no-store"),
    ("cross-origin-opener-policy", "same-origin"),
)


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # below /console
    query: dict[str, str]
    form: dict[str, str]
    cookies: dict[str, str]
    secure: bool  # served over TLS: the cookie is Secure
    source_ip: str | None = None  # the browser's address (uvicorn's, proxies considered)

    def arg(self, name: str, default: str = "") -> str:
        return self.form.get(name, self.query.get(name, default))


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def redirect(location: str) -> Reply:
    """303 See Other to a console path (after a POST, the browser GETs it)."""
    if not location.startswith("/console"):
        raise ValueError(location)
    return Reply(303, b"", "text/plain", [("location", location)])


def path_part(value: str) -> str:
    return quote(value, safe="")


def cookie(name: str, value: str, *, secure: bool, max_age: int | None = None) -> tuple[str, str]:
    parts = [f"{name}={value}", "Path=/console", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return ("set-cookie", "; ".join(parts))
