"""atheris: the Query form decoder (wire/form.py), on bodies, query strings and encodings."""

from __future__ import annotations

import gzip

import atheris

with atheris.instrument_imports():
    from rolegate.domain.errors import AwsError
    from rolegate.wire.form import decode_form

from common import run

ENCODINGS = [None, "gzip", "identity", "GZIP", "deflate", "gzip, gzip", ""]
TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "text/plain",
    "multipart/form-data",
]


def test_one(data: bytes) -> None:
    """Three bytes pick the encoding, the content type and the size limit; then the query
    string (Latin-1) up to the first newline, and the body."""
    if len(data) < 3:
        return
    encoding = ENCODINGS[data[0] % len(ENCODINGS)]
    content_type = TYPES[data[1] % len(TYPES)]
    limit = 16 + data[2] * 16
    query, _, body = data[3:].partition(b"\n")
    if encoding == "gzip" and body[:1] == b"z":  # now and then a real gzip stream
        body = gzip.compress(body[1:])
    try:
        form = decode_form(
            body,
            query_string=query.decode("latin-1"),
            content_type=content_type,
            content_encoding=encoding,
            limit=limit,
        )
    except AwsError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.items())


SEEDS = [
    b"\x00\x01\x40\nAction=GetUser&Version=2010-05-08&UserName=a%20b",
    b"\x01\x01\x40a=1\nzAction=ListRoles&Tags.member.1.Key=k%C3%A9",
    b"\x00\x02\x10X-Amz-Date=1&A=%FF%\nB==&&=",
]

if __name__ == "__main__":
    run(test_one, SEEDS)
