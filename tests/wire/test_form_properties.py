"""Property tests: whatever a client urlencodes, decode_form gives back."""

from __future__ import annotations

import gzip
from urllib.parse import quote, quote_plus, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.domain.errors import MalformedQueryString
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


def reference_unquote(raw: bytes) -> str | None:
    """The byte-by-byte decoder the C one replaced: '+' is a space, '%XX' a byte (None: bad)."""
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x2B:
            out.append(0x20)
            i += 1
        elif raw[i] == 0x25:
            pair = raw[i + 1 : i + 3]
            if len(pair) < 2 or not all(c in b"0123456789abcdefABCDEF" for c in pair):
                return None
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


# Bytes a value may hold on the wire, weighted towards escapes, '=', '+' and line ends.
wire_bytes = st.lists(
    st.one_of(
        st.sampled_from([b"%", b"=", b"+", b"\r", b"\n", b" ", b"\t", b"%3D", b"%2B", b"%25"]),
        st.sampled_from([b"0", b"7", b"a", b"F", b"g", b"Z", b"~", b"\xc3\xa9", b"\xff"]),
        st.builds(lambda n: b"%%%02X" % n, st.integers(0, 255)),
        st.builds(lambda n: b"%%%02x" % n, st.integers(0, 255)),
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(wire_bytes)
def test_values_decode_as_the_byte_by_byte_decoder_does(raw: bytes) -> None:
    expected = reference_unquote(raw)
    body = b"K=" + raw.replace(b"&", b"")
    if expected is None:
        with pytest.raises(MalformedQueryString):
            decode_form(body, query_string="", content_type=FORM, content_encoding=None)
    else:
        assert decode_form(body, query_string="", content_type=FORM, content_encoding=None) == {
            "K": expected
        }
