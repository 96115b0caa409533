"""Property tests: botocore is the oracle for canonicalization of generated requests."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.auth.sigv4 import SigningKeyCache, parse_sigv4, verify_sigv4
from rolegate.auth.sigv4_canonical import canonical_query, canonical_uri
from rolegate.domain.errors import AwsError

from .botocore_requests import ENDPOINT, SECRET, SESSION_TOKEN

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
# What http.client can put in a header value: latin-1, no control characters but tab.
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    | st.just("\t"),
    max_size=20,
)
HEADER_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True).filter(
    lambda name: (
        name.lower()
        not in {
            "host",
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "user-agent",
            "expect",
        }
        and not name.lower().startswith("x-amzn-trace")
    )
)
SEGMENT = st.one_of(st.just("."), st.just(".."), st.just(""), TEXT.map(lambda s: quote(s, safe="")))


@st.composite
def requests(draw: st.DrawFn) -> dict[str, object]:
    segments = draw(st.lists(SEGMENT, max_size=5))
    # Not X-Amz-*: a presigned request's own parameters (a second X-Amz-Date is another request).
    names = TEXT.filter(lambda name: not name.lower().startswith("x-amz-"))
    params = draw(st.dictionaries(names, TEXT, max_size=5))
    # Distinct names ignoring case: botocore itself signs 'J' and 'j' as one header 'j:,'.
    pairs = st.lists(
        st.tuples(HEADER_NAME, HEADER_TEXT), max_size=4, unique_by=lambda pair: pair[0].lower()
    )
    headers = dict(draw(pairs))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    body = draw(st.binary(max_size=64)) if method != "GET" else b""
    token = draw(st.sampled_from([None, SESSION_TOKEN]))
    presign = draw(st.sampled_from([None, 300]))
    return {
        "path": "/" + "/".join(segments),
        "params": params,
        "headers": headers,
        "method": method,
        "body": body,
        "token": token,
        "presign": presign,
    }


@settings(max_examples=150, deadline=None)
@given(requests())
def test_botocore_signed_requests_verify(spec: dict[str, object]) -> None:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    from .botocore_requests import ACCESS_KEY_ID, REGION, to_http_request

    params = spec["params"]
    headers = spec["headers"]
    assert isinstance(params, dict) and isinstance(headers, dict)
    credentials = botocore.credentials.Credentials(ACCESS_KEY_ID, SECRET, spec["token"])
    aws_request = botocore.awsrequest.AWSRequest(
        method=spec["method"],
        url=f"{ENDPOINT}{spec['path']}",
        params=params,
        headers=headers,
        data=spec["body"] if spec["presign"] is None else None,
    )
    signer: botocore.auth.SigV4Auth
    if spec["presign"] is None:
        signer = botocore.auth.SigV4Auth(credentials, "iam", REGION)
    else:
        signer = botocore.auth.SigV4QueryAuth(credentials, "iam", REGION, 300)
    signer.add_auth(aws_request)
    request = to_http_request(aws_request.prepare())
    claim = parse_sigv4(request)
    assert claim is not None
    assert claim.presigned == (spec["presign"] is not None)
    cache = SigningKeyCache(4)
    verify_sigv4(claim, request, SECRET, claim.request_time, key_cache=cache)
    # The body is always covered by the signature.
    tampered = dataclasses.replace(request, body=request.body + b"x")
    try:
        verify_sigv4(claim, tampered, SECRET, claim.request_time + timedelta(seconds=1))
    except AwsError:
        pass
    else:
        raise AssertionError("a changed body was accepted")


@given(TEXT, TEXT)
def test_query_canonicalization_is_idempotent(key: str, value: str) -> None:
    once = canonical_query(f"{quote(key, safe='')}={quote(value, safe='')}")
    assert canonical_query(once) == once


@given(st.lists(SEGMENT, max_size=6))
def test_path_canonicalization_is_stable(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    canonical = canonical_uri(path)
    assert canonical.startswith("/")
    assert "/./" not in canonical and "/../" not in canonical and "//" not in canonical


# Pieces of query components as they come off the wire: unreserved and reserved characters,
# escapes of either (upper and lower case), broken escapes, '+', non-ASCII.
WIRE_PIECE = st.sampled_from(
    [
        *("a", "Z", "7", ".", "_", "~", "-", "+", " ", "/", ":", "=", "%", "%4", "%zz"),
        *("%41", "%2F", "%2f", "%7E", "%7e", "%20", "%2B", "%C3%A9", "%FF", "é"),
    ]
)


@given(st.lists(WIRE_PIECE, max_size=10).map("".join))
def test_components_already_canonical_are_kept_as_they_are(component: str) -> None:
    """The short cut for canonical components gives what decoding and encoding again gives
    (the wire text is latin-1 decoded bytes)."""
    encoded = quote_from_bytes(
        unquote_to_bytes(component.encode("latin-1").replace(b"+", b" ")), safe="~"
    )
    assert canonical_query(f"k={component}") == f"k={encoded}"


def _canonical_component(component: str) -> str:
    return quote_from_bytes(
        unquote_to_bytes(component.encode("latin-1").replace(b"+", b" ")), safe="~"
    )


@given(
    st.lists(st.lists(WIRE_PIECE | st.sampled_from(["=", "&"]), max_size=8).map("".join)).map(
        "&".join
    ),
    st.sampled_from([None, "a", "X-Amz-Signature", "%41"]),
)
def test_whole_queries_canonicalize_part_by_part(query: str, exclude_key: str | None) -> None:
    """Whether the whole query is already canonical (one check, then split and sort) or not
    (each name and value decoded and encoded again), the answer is the per-part one: empty
    parts dropped, the first '=' splits name from value, the excluded name left out."""
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            if _canonical_component(key) != exclude_key:
                pairs.append((_canonical_component(key), _canonical_component(value)))
    expected = "&".join(f"{key}={value}" for key, value in sorted(pairs))
    assert canonical_query(query, exclude_key=exclude_key) == expected
