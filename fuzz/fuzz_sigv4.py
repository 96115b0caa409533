"""atheris: SigV4 parsing (auth/sigv4.py): the Authorization header, X-Amz-Date, the signed
headers and a presigned query string, as a request carries them."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from rolegate.auth.sigv4 import HttpRequest, parse_sigv4
    from rolegate.domain.errors import AwsError

from common import run

HEADERS = ["Authorization", "X-Amz-Date", "Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"]


def test_one(data: bytes) -> None:
    """Lines (Latin-1, as ASGI hands over header bytes): the query string, then headers, each a
    digit that names it and its value; a line without a digit is the body."""
    lines = data.decode("latin-1").split("\n")
    headers = []
    body = b""
    for line in lines[1:]:
        number = "0123456789".find(line[:1]) if line else -1
        if 0 <= number < len(HEADERS):
            headers.append((HEADERS[number], line[1:]))
        else:
            body += line.encode("latin-1")
    request = HttpRequest("POST", "/", lines[0], tuple(headers), body)
    try:
        parse_sigv4(request)
    except AwsError:
        return


AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, "
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
)
PRESIGNED = (
    "Action=GetUser&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830"
    "%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60"
    "&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef"
)
SEEDS = [
    bytes([2, 0, len(AUTHORIZATION) // 2])
    + AUTHORIZATION.encode()
    + b"\x01\x10"
    + b"20150830T123600Z",
    bytes([0, 200]) + PRESIGNED.encode(),
]

if __name__ == "__main__":
    run(test_one, SEEDS)
