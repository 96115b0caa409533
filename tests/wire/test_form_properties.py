"""Property tests: whatever a client urlencodes, decode_form gives back."""

from __future__ import annotations

import gzip
from urllib.parse import quote, quote_plus, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.wire import decode_form

FORM = "application/x-www-form-urlencoded; charset=utf-8"
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
forms = st.dictionaries(text.filter(bool), text, max_size=8)


@settings(max_examples=200, deadline=None)
@given(forms, st.booleans())
def test_urlencoded_body_round_trips(form: dict[str, str], plus_for_space: bool) -> None:
    body = urlencode(form, quote_via=quote_plus if plus_for_space else quote).encode("ascii")
    assert decode_form(body, query_string="", content_type=FORM, content_encoding=None) == form


@settings(max_examples=100, deadline=None)
@given(forms, forms)
def test_query_string_and_body_merge_with_query_string_first(
    in_query: dict[str, str], in_body: dict[str, str]
) -> None:
    decoded = decode_form(
        gzip.compress(urlencode(in_body).encode("ascii")),
        query_string=urlencode(in_query),
        content_type=FORM,
        content_encoding="gzip",
    )
    assert decoded == {**in_body, **in_query}
