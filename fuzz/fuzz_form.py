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
    provider = atheris.FuzzedDataProvider(data)
    encoding = ENCODINGS[provider.ConsumeIntInRange(0, len(ENCODINGS) - 1)]
    content_type = TYPES[provider.ConsumeIntInRange(0, len(TYPES) - 1)]
    limit = provider.ConsumeIntInRange(16, 4096)
    query = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 256)).decode("latin-1")
    body = provider.ConsumeBytes(provider.remaining_bytes())
    if encoding == "gzip" and body[:1] == b"z":  # now and then a real gzip stream
        body = gzip.compress(body[1:])
    try:
        form = decode_form(
            body,
            query_string=query,
            content_type=content_type,
            content_encoding=encoding,
            limit=limit,
        )
    except AwsError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.items())


SEEDS = [
    b"\x00\x01\x40\x00Action=GetUser&Version=2010-05-08&UserName=a%20b",
    b"\x01\x01\x40\x04a=1zAction=ListRoles&Tags.member.1.Key=k%C3%A9",
    b"\x00\x02\x10\x00A=%FF%&B==&&=",
]

if __name__ == "__main__":
    run(test_one, SEEDS)
