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
  ``identity`` is a no-op. Any other coding, a broken gzip stream, a malformed ``%`` escape or
  bytes that are not UTF-8 are answered with ``MalformedQueryString``; the escape messages are
  those of Java's ``URLDecoder``, which AWS's answers quote.
"""

from __future__ import annotations

import gzip
import zlib

from rolegate.domain.errors import MalformedQueryString

_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_HEX = frozenset(b"0123456789abcdefABCDEF")
_MAX_INFLATED_BYTES = 16 * 1024 * 1024


def decode_form(
    body: bytes,
    *,
    query_string: str,
    content_type: str | None,
    content_encoding: str | None,
) -> dict[str, str]:
    """The request's Query parameters, as one flat ``{key: value}`` dict.

    ``query_string`` is the raw (still percent-encoded) query string; pass ASGI's
    ``scope["query_string"]`` decoded as latin-1 so that any raw non-ASCII byte survives.
    """
    form: dict[str, str] = {}
    if query_string:
        _merge_pairs(form, _query_bytes(query_string))
    if body and _is_form(content_type):
        _merge_pairs(form, _inflate(body, content_encoding))
    return form


def _query_bytes(query_string: str) -> bytes:
    try:
        return query_string.encode("latin-1")
    except UnicodeEncodeError:
        return query_string.encode("utf-8", "surrogateescape")


def _is_form(content_type: str | None) -> bool:
    if content_type is None or not content_type.strip():
        return True
    return content_type.split(";", 1)[0].strip().lower() == _FORM_CONTENT_TYPE


def _inflate(body: bytes, content_encoding: str | None) -> bytes:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding != "gzip":
            raise MalformedQueryString(f"Unsupported Content-Encoding: {coding}")
        body = _gunzip(body)
    return body


def _gunzip(body: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, _MAX_INFLATED_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise MalformedQueryString(
                "Request body could not be decompressed: truncated or too large"
            )
    except (zlib.error, gzip.BadGzipFile) as error:
        raise MalformedQueryString(f"Request body could not be decompressed: {error}") from None
    return inflated


def _merge_pairs(form: dict[str, str], raw: bytes) -> None:
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        decoded_key = _unquote(key)
        if decoded_key not in form:
            form[decoded_key] = _unquote(value)


def _unquote(raw: bytes) -> str:
    """``+`` is a space, ``%XX`` a byte; the bytes must then be UTF-8."""
    if b"%" not in raw and b"+" not in raw:
        return _utf8(raw)
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        byte = raw[i]
        if byte == 0x2B:  # '+'
            out.append(0x20)
            i += 1
        elif byte == 0x25:  # '%'
            if i + 3 > n:
                raise MalformedQueryString("URLDecoder: Incomplete trailing escape (%) pattern")
            pair = raw[i + 1 : i + 3]
            if pair[0] not in _HEX or pair[1] not in _HEX:
                raise MalformedQueryString(
                    "URLDecoder: Illegal hex characters in escape (%) pattern - "
                    f'For input string: "{pair.decode("utf-8", "replace")}"'
                )
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(byte)
            i += 1
    return _utf8(bytes(out))


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedQueryString("Request parameters are not valid UTF-8") from None
