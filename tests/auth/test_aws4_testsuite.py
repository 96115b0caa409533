"""The AWS SigV4 test suite: canonical request, string to sign, signed request, and tampering."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from rolegate.auth.sigv4 import (
    HttpRequest,
    SigV4Claim,
    canonical_request,
    parse_sigv4,
    string_to_sign,
    verify_sigv4,
)
from rolegate.domain.errors import AwsError, SignatureDoesNotMatch

from .vectors import (
    ACCESS_KEY_ID,
    REGION,
    SECRET,
    SERVICE,
    SIGNED_AT,
    SUITE,
    Case,
    cases,
    parse_http,
)

CASES = cases()
IDS = [case.name for case in CASES]
SCOPE = f"20150830/{REGION}/{SERVICE}/aws4_request"


def test_suite_is_complete() -> None:
    assert len(CASES) == 34
    assert (SUITE / "LICENSE").is_file() and (SUITE / "NOTICE").is_file()


# The suite's .sreq for this case carries get-vanilla's signature; its .authz is the right one.
STALE_SREQ = {"get-vanilla-with-session-token"}


def _signed(case: Case) -> tuple[SigV4Claim, HttpRequest]:
    """The .sreq request, its Authorization header being the case's .authz."""
    request = parse_http(case.text("sreq"))
    authz = case.text("authz")
    headers = tuple(
        (name, authz if name.lower() == "authorization" else value)
        for name, value in request.headers
    )
    if case.name not in STALE_SREQ:
        assert headers == request.headers
    request = dataclasses.replace(request, headers=headers)
    claim = parse_sigv4(request)
    assert claim is not None
    return claim, request


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_canonical_request_and_string_to_sign(case: Case) -> None:
    claim, signed_request = _signed(case)
    request = parse_http(case.text("req"))
    # The signer adds the session token header (get-vanilla-with-session-token); take it from .sreq.
    present = {name.lower() for name, _ in request.headers}
    added = tuple(
        (name, value)
        for name, value in signed_request.headers
        if name.lower() not in present and name.lower() != "authorization"
    )
    request = dataclasses.replace(request, headers=request.headers + added)
    payload_hash = hashlib.sha256(request.body).hexdigest()
    creq = canonical_request(
        request.method,
        request.path,
        request.query_string,
        request.headers,
        claim.signed_headers,
        payload_hash,
    )
    assert creq == case.text("creq")
    assert string_to_sign("20150830T123600Z", SCOPE, creq) == case.text("sts")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_request_parses_and_verifies(case: Case) -> None:
    claim, request = _signed(case)
    assert claim.access_key_id == ACCESS_KEY_ID
    assert (claim.date, claim.region, claim.service) == ("20150830", REGION, SERVICE)
    assert claim.request_time == SIGNED_AT
    assert not claim.presigned
    assert request.header("authorization") == case.text("authz")
    verify_sigv4(claim, request, SECRET, SIGNED_AT)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wrong_secret_is_rejected(case: Case) -> None:
    claim, request = _signed(case)
    with pytest.raises(SignatureDoesNotMatch):
        verify_sigv4(claim, request, SECRET[:-1] + "X", SIGNED_AT)


def _other_char(char: str) -> str:
    """A different, non-whitespace character (whitespace changes can be canonicalized away)."""
    if char.isspace():
        return "x"
    swapped = chr(ord(char) ^ 1)
    return swapped if not swapped.isspace() and swapped != char else "y"


def _rejected(request: HttpRequest) -> bool:
    try:
        claim = parse_sigv4(request)
        if claim is None:
            return True
        verify_sigv4(claim, request, SECRET, SIGNED_AT)
    except AwsError:
        return True
    return False


def _with_header(request: HttpRequest, index: int, value: str) -> HttpRequest:
    headers = list(request.headers)
    headers[index] = (headers[index][0], value)
    return dataclasses.replace(request, headers=tuple(headers))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_single_byte_change_is_rejected(case: Case) -> None:
    claim, request = _signed(case)
    signed = set(claim.signed_headers)
    mutants: list[tuple[str, HttpRequest]] = []
    for index, (name, value) in enumerate(request.headers):
        lowered = name.lower()
        if lowered == "authorization":
            start = value.index("Signature=") + len("Signature=")
            for pos in range(start, len(value)):
                changed = value[:pos] + ("0" if value[pos] != "0" else "1") + value[pos + 1 :]
                mutants.append((f"signature[{pos}]", _with_header(request, index, changed)))
        elif lowered in signed:  # includes the date (x-amz-date is always signed here)
            for pos, char in enumerate(value):
                changed = value[:pos] + _other_char(char) + value[pos + 1 :]
                mutants.append((f"{name}[{pos}]", _with_header(request, index, changed)))
    for pos in range(len(request.body)):
        body = bytearray(request.body)
        body[pos] ^= 0x01
        mutants.append((f"body[{pos}]", dataclasses.replace(request, body=bytes(body))))
    dot_segments = "/." in request.path or "//" in request.path  # normalized away by design
    for pos, char in enumerate(request.path):
        if char != "/" and not dot_segments:
            path = request.path[:pos] + _other_char(char) + request.path[pos + 1 :]
            mutants.append((f"path[{pos}]", dataclasses.replace(request, path=path)))
    for pos, char in enumerate(request.query_string):
        query = request.query_string[:pos] + _other_char(char) + request.query_string[pos + 1 :]
        mutants.append((f"query[{pos}]", dataclasses.replace(request, query_string=query)))
    mutants.append(("method", dataclasses.replace(request, method=request.method.lower())))
    accepted = [label for label, mutant in mutants if not _rejected(mutant)]
    assert accepted == []
    assert len(mutants) > 64
