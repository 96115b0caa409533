"""IAM's URL-encoded policy documents: the fast path agrees with urllib's RFC 3986 quoting."""

from __future__ import annotations

from urllib.parse import quote, unquote

from hypothesis import given
from hypothesis import strategies as st

from rolegate.services._wire_format import url_encoded_policy


def test_a_trust_policy_is_encoded_as_iam_does() -> None:
    document = '{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole"}]}'
    assert url_encoded_policy(document) == (
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
    )


@given(st.text())
def test_agrees_with_quote_and_round_trips(text: str) -> None:
    encoded = url_encoded_policy(text)
    assert encoded == quote(text, safe="-_.~")
    assert unquote(encoded) == text
