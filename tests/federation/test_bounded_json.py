"""Nesting bounds on the JSON a web identity token and an issuer carry (``bounded_json``), and
what ``oidc_jwt`` answers for tokens built to exhaust the decoder: InvalidIdentityToken with
AWS's "not a valid JWT" text, never RecursionError or OverflowError."""

from __future__ import annotations

import base64
import json
import sys
from datetime import UTC, datetime

import pytest
from joserfc import jws
from joserfc.jwk import RSAKey

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.bounded_json import (
    MAX_DEPTH,
    TooDeep,
    loads_object,
    nested_deeper_than,
)
from rolegate.federation.oidc_jwt import (
    MAX_TOKEN_CHARS,
    NOT_A_JWT,
    check_claims,
    read_unverified,
)

ISSUER = "https://issuer.example.com/tenant"
NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def nested(depth: int, inner: str = "1") -> str:
    """``depth`` arrays and objects, alternating, around ``inner``."""
    text = inner
    for level in range(depth):
        text = f'{{"k":{text}}}' if level % 2 else f"[{text}]"
    return text


def segment(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_depth_is_counted_outside_strings_only() -> None:
    assert not nested_deeper_than(nested(MAX_DEPTH), MAX_DEPTH)
    assert nested_deeper_than(nested(MAX_DEPTH + 1), MAX_DEPTH)
    brackets_in_strings = json.dumps({"a": "[" * 500 + "{" * 500, "b": ['\\"[[[', "]"]})
    assert not nested_deeper_than(brackets_in_strings, 2)
    assert nested_deeper_than(brackets_in_strings, 1)
    wide = "[" + ",".join(["[[]]"] * 1000) + "]"  # many brackets, three deep
    assert not nested_deeper_than(wide, 3)
    assert nested_deeper_than(wide, 2)


def test_malformed_text_is_scanned_to_its_end() -> None:
    """Unterminated strings and unbalanced brackets: the answer still comes from one pass."""
    assert nested_deeper_than('"' + '\\"[' * 50_000, 0) is False  # all inside one string
    assert nested_deeper_than("]" * 100 + "[" * 40, MAX_DEPTH)  # closes first, then 40 deep
    assert nested_deeper_than('"unterminated\\', MAX_DEPTH) is False


def test_loads_object_refuses_what_the_decoder_cannot_take() -> None:
    assert loads_object(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    for bad in (
        nested(MAX_DEPTH + 1, "{}"),
        "[" * 100_000,  # json.loads: RecursionError
        "[]",
        '{"a": NaN}',
        '{"a": Infinity}',
        b'{"a": "\xff"}',
    ):
        with pytest.raises(ValueError):
            loads_object(bad)
    with pytest.raises(TooDeep):
        loads_object('{"a":' + "[" * 5000 + "]" * 5000 + "}")


@pytest.mark.parametrize(
    "header, claims",
    [
        ('{"alg":"RS256","x":' + "[" * 10_000 + "}", '{"iss":"https://x"}'),  # 500 before
        ('{"alg":"RS256"}', '{"iss":"https://x","x":' + "[" * 10_000 + "}"),  # 500 before
        # closed and valid, deeper than the bound but shallow enough for json.loads
        ('{"alg":"RS256","x":' + nested(600) + "}", '{"iss":"https://x"}'),
        ('{"alg":"RS256"}', '{"iss":"https://x","x":' + nested(MAX_DEPTH) + "}"),
    ],
)
def test_deeply_nested_header_or_claims_are_not_a_jwt(header: str, claims: str) -> None:
    token = f"{segment(header)}.{segment(claims)}.c2ln"
    assert len(token) <= MAX_TOKEN_CHARS
    with pytest.raises(InvalidIdentityToken) as caught:
        read_unverified(token)
    assert str(caught.value) == NOT_A_JWT


def test_the_bound_does_not_depend_on_the_callers_stack() -> None:
    """The same token gets the same answer with 900 frames already on the stack, where
    json.loads alone raises RecursionError at 150 levels, and with none."""
    header = '{"alg":"RS256","x":' + nested(150) + "}"
    token = f"{segment(header)}.{segment('{}')}.c2ln"
    outcomes: list[str] = []

    def deep(frames: int) -> None:
        if frames:
            deep(frames - 1)
            return
        try:
            read_unverified(token)
        except InvalidIdentityToken as error:
            outcomes.append(str(error))

    deep(min(900, sys.getrecursionlimit() - 100))
    deep(0)
    assert outcomes == [NOT_A_JWT, NOT_A_JWT]


def test_a_token_longer_than_the_wire_allows_is_not_decoded() -> None:
    header = segment('{"alg":"RS256"}')
    claims = segment(json.dumps({"iss": "https://x", "pad": "a" * MAX_TOKEN_CHARS}))
    with pytest.raises(InvalidIdentityToken) as caught:
        read_unverified(f"{header}.{claims}.c2ln")
    assert str(caught.value) == NOT_A_JWT


@pytest.mark.parametrize("expires", ["1e999", "-1e999"])
def test_an_infinite_time_claim_is_not_a_jwt(expires: str) -> None:
    """``1e999`` decodes as float infinity; int() of it raised OverflowError (a 500)."""
    key = RSAKey.generate_key(2048, parameters={"kid": "k"})
    issued = int(NOW.timestamp())
    payload = f'{{"iss":"{ISSUER}","sub":"s","aud":"app","iat":{issued},"exp":{expires}}}'
    signed = jws.serialize_compact({"alg": "RS256", "kid": "k"}, payload.encode(), key)
    token = read_unverified(signed)
    with pytest.raises(InvalidIdentityToken) as caught:
        check_claims(token, issuer=ISSUER, client_ids=["app"], now=NOW)
    assert str(caught.value) == NOT_A_JWT
