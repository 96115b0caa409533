"""Canonicalization rules on their own: path, query, headers, signing key."""

from __future__ import annotations

import pytest

from rolegate.auth.sigv4 import SigningKeyCache
from rolegate.auth.sigv4_canonical import (
    canonical_headers,
    canonical_query,
    canonical_uri,
    derive_signing_key,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("", "/"),
        ("/", "/"),
        ("/a%20b/", "/a%2520b/"),  # non-S3 services encode the wire path again
        ("/a b", "/a%20b"),
        ("/\xe1\x88\xb4", "/%E1%88%B4"),  # UTF-8 bytes as latin-1 text, as ASGI hands them over
        ("/\u1234", "/%E1%88%B4"),  # Unicode text
        ("/a/./b/../c//d/", "/a/c/d/"),
        ("/..", "/"),
        ("/~user/_x-y.z", "/~user/_x-y.z"),
        ("/a+b*c", "/a%2Bb%2Ac"),
    ],
)
def test_canonical_uri(raw: str, canonical: str) -> None:
    assert canonical_uri(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=10&a=1", "a=1&a=10&a=2"),
        ("flag", "flag="),
        ("a=&&b", "a=&b="),
        ("a=b+c", "a=b%20c"),  # '+' is a space in a query, as botocore sends spaces
        ("a=b%2Bc", "a=b%2Bc"),
        ("a=%7e%2f%2a", "a=~%2F%2A"),  # decoded, then re-encoded upper-case and strictly
        ("%E1%88%B4=v&Z=1&a=2", "%E1%88%B4=v&Z=1&a=2"),
        ("\xe1\x88\xb4=bar", "%E1%88%B4=bar"),
        ("k=%zz", "k=%25zz"),  # an invalid escape is a literal '%'
    ],
)
def test_canonical_query(raw: str, canonical: str) -> None:
    assert canonical_query(raw) == canonical


def test_canonical_query_excludes_the_signature_of_a_presigned_request() -> None:
    raw = "X-Amz-Signature=abc&Action=X&X-Amz-Date=20150830T123600Z"
    assert canonical_query(raw, exclude_key="X-Amz-Signature") == (
        "Action=X&X-Amz-Date=20150830T123600Z"
    )


def test_canonical_headers() -> None:
    headers = [
        ("Host", "example.com"),
        ("My-Header", "  a   b  "),
        ("my-header", "c\n   d"),
        ("Unsigned", "x"),
    ]
    assert canonical_headers(headers, ["host", "my-header", "absent"]) == (
        "host:example.com\nmy-header:a b,c d\nabsent:\n"
    )


def test_signing_key_matches_the_aws_documentation_example() -> None:
    """Example from "Examples of how to derive a signing key for Signature Version 4"."""
    key = derive_signing_key(
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"
    )
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_signing_key_cache_is_a_bounded_lru() -> None:
    cache = SigningKeyCache(max_entries=2)
    first = cache.signing_key("s1", "20150830", "us-east-1", "iam")
    assert first == derive_signing_key("s1", "20150830", "us-east-1", "iam")
    cache.signing_key("s2", "20150830", "us-east-1", "iam")
    assert cache.signing_key("s1", "20150830", "us-east-1", "iam") is first  # refreshed
    cache.signing_key("s3", "20150830", "us-east-1", "iam")  # evicts s2, the least recent
    assert len(cache) == 2
    assert cache.signing_key("s1", "20150830", "us-east-1", "iam") is first
    assert cache.signing_key("s1", "20150831", "us-east-1", "iam") != first
