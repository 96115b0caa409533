"""Decoding the Query form from an HTTP request (query string + urlencoded POST body).

AWS Query services take parameters from the URL query string and from an
``application/x-www-form-urlencoded`` body alike; SDKs POST the body, presigned and hand-made
requests use GET. Choices (each pinned by tests):

* Both sources are merged; when a key appears more than once, the first occurrence wins, the
  query string being read before the body (the servlet ``getParameter`` rule).
* A body with another content type is not form data and is not read (AWS's Query front end reads
  only urlencoded bodies; the request then usually lacks ``Action`` -> ``MissingAction``). A body
  without a content type is read as a form, as curl-made requests expect.
* ``Content-Encoding: gzip`` bodies (botocore's request compression) are inflated first;
  ``identity`` is a no-op. Any other coding, more than one coding, a broken gzip stream, a
  malformed ``%`` escape or bytes that are not UTF-8 are answered with ``MalformedQueryString``;
  the escape messages are those of Java's ``URLDecoder``, which AWS's answers quote.

The form is decoded before anyone is authenticated, so what it may cost is bounded first, with
cheap byte counts, before any pair is decoded (``RequestEntityTooLarge``, 413, in the words AWS's
Query services use: "Request size 639468 exceeded 614400 bytes"):

* the query string and the body together, after inflating (inflating stops there), hold at
  most ``MAX_UNSIGNED_REQUEST_BYTES`` (1 MiB) when the request carries no signature: the
  unsigned operations (AssumeRoleWithSAML's 100,000-character assertion, a web identity token)
  need far less, and AWS's Query services refuse requests of that order (CloudWatch: 1 MB for
  PutMetricData, 600 KB for GetMetricData). A request that carries a signature may hold
  ``MAX_REQUEST_BYTES`` (32 MiB): the largest parameter of the models, CreateSAMLProvider's
  10,000,000-character metadata document, percent-encoded. Decoding it stays linear, and its
  signature is checked (``auth.sigv4``) before any operation reads it.
* ``MAX_PARAMETERS`` (1,000) ``&``-separated pairs: five times the largest parameter count of
  any such operation (CreateSAMLProvider, AssumeRole with 50 tags: about 200).

Percent-decoding runs in C (``binascii.a2b_qp``, the stdlib's decoder of ``=XX`` escapes, once
every ``%`` escape is checked to be well formed) instead of urllib's ``unquote_to_bytes`` loop in
Python, so even a body of escapes at the bound decodes in milliseconds.
"""

from __future__ import annotations

import binascii
import re
import zlib

from rolegate.domain.errors import MalformedQueryString, RequestEntityTooLarge

MAX_REQUEST_BYTES = 32 * 1024 * 1024
MAX_UNSIGNED_REQUEST_BYTES = 1024 * 1024
MAX_PARAMETERS = 1000

_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def request_too_large(size: int, limit: int = MAX_REQUEST_BYTES) -> RequestEntityTooLarge:
    """AWS's answer to a request of ``size`` bytes, over ``limit``."""
    return RequestEntityTooLarge(f"Request size {size} exceeded {limit} bytes")


def decode_form(
    body: bytes,
    *,
    query_string: str,
    content_type: str | None,
    content_encoding: str | None,
    limit: int = MAX_REQUEST_BYTES,
) -> dict[str, str]:
    """The request's Query parameters, as one flat ``{key: value}`` dict.

    ``query_string`` is the raw (still percent-encoded) query string; pass ASGI's
    ``scope["query_string"]`` decoded as latin-1 so that any raw non-ASCII byte survives.
    ``body`` is the body as received (before its Content-Encoding is undone). ``limit``: the
    bytes the query string and the inflated body may hold together (``MAX_UNSIGNED_REQUEST_BYTES``
    for a request without a signature).
    """
    query = _query_bytes(query_string)
    if len(query) > limit:
        raise request_too_large(len(query), limit)
    raw_body = b""
    if body and _is_form(content_type):
        raw_body = _inflate(body, content_encoding, limit - len(query), limit)
    _check_bounds(query, raw_body, limit)
    form: dict[str, str] = {}
    _merge_pairs(form, query)
    _merge_pairs(form, raw_body)
    return form


def _check_bounds(query: bytes, body: bytes, limit: int) -> None:
    size = len(query) + len(body)
    if size > limit:
        raise request_too_large(size, limit)
    count = (query.count(b"&") + 1 if query else 0) + (body.count(b"&") + 1 if body else 0)
    if count > MAX_PARAMETERS:
        raise RequestEntityTooLarge(
            f"Request parameter count {count} exceeded {MAX_PARAMETERS} parameters"
        )


def _query_bytes(query_string: str) -> bytes:
    try:
        return query_string.encode("latin-1")
    except UnicodeEncodeError:
        return query_string.encode("utf-8", "surrogateescape")


def _is_form(content_type: str | None) -> bool:
    if content_type is None or not content_type.strip():
        return True
    return content_type.split(";", 1)[0].strip().lower() == _FORM_CONTENT_TYPE


def _inflate(body: bytes, content_encoding: str | None, budget: int, limit: int) -> bytes:
    """``body`` with its one content coding undone, at most ``budget`` bytes of it (the rest
    of the request's ``limit``)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return body
    if codings != ["gzip"]:
        raise MalformedQueryString(
            f"Unsupported Content-Encoding: {content_encoding} (one gzip coding at most)"
            if len(codings) > 1
            else f"Unsupported Content-Encoding: {codings[0]}"
        )
    return _gunzip(body, budget, limit)


def _gunzip(body: bytes, budget: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, budget + 1)
    except zlib.error as error:
        raise MalformedQueryString(f"Request body could not be decompressed: {error}") from None
    if len(inflated) > budget:
        raise RequestEntityTooLarge(f"Request size exceeded {limit} bytes when decompressed")
    if inflater.unconsumed_tail or not inflater.eof:
        raise MalformedQueryString("Request body could not be decompressed: truncated")
    return inflated


def _merge_pairs(form: dict[str, str], raw: bytes) -> None:
    if not raw:
        return
    try:
        for pair in raw.split(b"&"):
            if not pair:
                continue
            key, _, value = pair.partition(b"=")
            # inline: most names and values have nothing to undo
            decoded_key = _unquote(key) if b"%" in key or b"+" in key else key.decode()
            if decoded_key not in form:
                form[decoded_key] = (
                    _unquote(value) if b"%" in value or b"+" in value else value.decode()
                )
    except UnicodeDecodeError:
        raise MalformedQueryString(_NOT_UTF8) from None


def _unquote(raw: bytes) -> str:
    """``+`` is a space, ``%XX`` a byte; the bytes must then be UTF-8."""
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        bad = _BAD_ESCAPE.search(raw)
        if bad is not None:
            pair = raw[bad.start() + 1 : bad.start() + 3]
            if len(pair) < 2:
                raise MalformedQueryString("URLDecoder: Incomplete trailing escape (%) pattern")
            raise MalformedQueryString(
                "URLDecoder: Illegal hex characters in escape (%) pattern - "
                f'For input string: "{pair.decode("utf-8", "replace")}"'
            )
        # Every '%' now starts a valid escape. Written as '=XX' (and a literal '=' as '=3D'),
        # quoted-printable decoding turns each escape into its byte and copies every other byte.
        raw = binascii.a2b_qp(raw.replace(b"=", b"=3D").replace(b"%", b"="))
    return _utf8(raw)


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedQueryString(_NOT_UTF8) from None


_NOT_UTF8 = "Request parameters are not valid UTF-8"
