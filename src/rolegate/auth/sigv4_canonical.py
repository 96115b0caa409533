"""The SigV4 canonical request and string to sign, computed from the raw request.

AWS: "Create a canonical request" and "Create a string to sign" in
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

Text conventions: ``path`` and ``query_string`` are the bytes received on the wire decoded as
latin-1 (one character per byte, as ASGI servers hand them over). A string holding characters
above U+00FF cannot have come from the wire that way; it is taken as Unicode text and encoded as
UTF-8 (the AWS test suite writes its non-ASCII paths like that). Header values are latin-1 decoded
as well; the canonical request is hashed as UTF-8, which is what botocore does on the client side.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote_from_bytes, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def _raw_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, plus AWS's rule that empty segments ('//') are dropped.

    Non-S3 services normalize the path (see normalize-path in the AWS SigV4 test suite).
    """
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "" or segment == ".":
            continue
        if segment == "..":
            if kept:
                kept.pop()
            continue
        kept.append(segment)
    if not kept:
        return "/"
    trailing = "/" if path.endswith("/") else ""
    return "/" + "/".join(kept) + trailing


def canonical_uri(raw_path: str) -> str:
    """Normalized path, every byte outside the unreserved set and '/' percent-encoded.

    The path is encoded as received, so a '%' already on the wire is encoded again: the
    "double encoding" every AWS service except S3 expects.
    """
    if raw_path == "/" or raw_path == "":
        return "/"
    return quote_from_bytes(_raw_bytes(_remove_dot_segments(raw_path)), safe="/~")


# Already canonical: unreserved characters, and upper-case escapes of the other bytes
# (possessive: a text that is not gives up in one pass, without backtracking).
_COMPONENT = r"(?:[A-Za-z0-9._~-]++|%[0-9A-F]{2})*+"
_CANONICAL_SHAPE = re.compile(_COMPONENT).fullmatch
# A whole query string of such components: ``name[=value]`` pairs joined by '&'.
_CANONICAL_QUERY = re.compile(
    rf"{_COMPONENT}(?:={_COMPONENT})?+(?:&{_COMPONENT}(?:={_COMPONENT})?+)*+"
).fullmatch
_ESCAPED_BYTES = re.compile(r"%([0-9A-F]{2})").findall
_UNRESERVED_HEX = frozenset(
    f"{byte:02X}" for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"
)


def _reencode(component: str) -> str:
    """Form-decode ('+' is a space, as botocore's own query encoding sends it), then encode.

    A component already in that form (as SDKs send them) is returned as it is: decoding and
    encoding it again would give the same text."""
    if _CANONICAL_SHAPE(component) and (
        "%" not in component or _UNRESERVED_HEX.isdisjoint(_ESCAPED_BYTES(component))
    ):
        return component
    return quote_from_bytes(unquote_to_bytes(_raw_bytes(component).replace(b"+", b" ")), safe="~")


def canonical_query(raw_query: str, *, exclude_key: str | None = None) -> str:
    """Query parameters decoded, re-encoded strictly, sorted by encoded key then value.

    A literal plus sign must arrive as %2B; a bare '+' means a space.

    ``exclude_key`` (the encoded name) is left out: X-Amz-Signature of a presigned request.
    """
    if not raw_query:
        return ""
    # every name and value already canonical (as SDKs send them): split and sort only
    canonical = bool(_CANONICAL_QUERY(raw_query)) and (
        "%" not in raw_query or _UNRESERVED_HEX.isdisjoint(_ESCAPED_BYTES(raw_query))
    )
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if not canonical:
            key = _reencode(key)
        if key == exclude_key:
            continue
        pairs.append((key, value if canonical else _reencode(value)))
    pairs.sort()
    return "&".join(f"{key}={value}" for key, value in pairs)


def canonical_header_value(value: str) -> str:
    """Trim and collapse runs of whitespace (including folded lines) to one space."""
    return " ".join(value.split())


def canonical_headers(headers: Iterable[tuple[str, str]], signed_headers: Sequence[str]) -> str:
    """One ``name:value`` line per signed header; repeated headers joined with ',' in order.

    A signed header missing from the request contributes an empty value (the signature will
    then only match if the client signed it that way).
    """
    wanted: dict[str, list[str]] = {name.lower(): [] for name in signed_headers}
    for name, value in headers:
        values = wanted.get(name.lower())
        if values is not None:
            values.append(canonical_header_value(value))
    return "".join(f"{name}:{','.join(wanted[name.lower()])}\n" for name in signed_headers)


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    signed_headers: Sequence[str],
    payload_hash: str,
    *,
    presigned: bool = False,
) -> str:
    """The canonical request; for presigned requests X-Amz-Signature is not part of it."""
    return "\n".join(
        (
            method,
            canonical_uri(raw_path),
            canonical_query(raw_query, exclude_key="X-Amz-Signature" if presigned else None),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        )
    )


def string_to_sign(amz_date: str, scope: str, canonical_request_text: str) -> str:
    """``AWS4-HMAC-SHA256 \\n <date> \\n <scope> \\n hex(sha256(canonical request))``."""
    digest = hashlib.sha256(canonical_request_text.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def derive_signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """HMAC chain ``"AWS4"+secret -> date -> region -> service -> "aws4_request"``."""
    key = ("AWS4" + secret_access_key).encode("utf-8")
    for part in (date, region, service, TERMINATOR):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return key


def signature_hex(signing_key: bytes, string_to_sign_text: str) -> str:
    return hmac.digest(signing_key, string_to_sign_text.encode("utf-8"), "sha256").hex()
