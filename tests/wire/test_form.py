"""decode_form: GET + POST merge, gzip, and malformed encodings answered as AWS errors."""

from __future__ import annotations

import gzip

import pytest

from rolegate.domain.errors import MalformedQueryString
from rolegate.wire import decode_form

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def test_query_string_and_body_are_merged() -> None:
    form = decode_form(
        b"RoleName=r%C3%A9le&Path=%2Fa+b%2F",
        query_string="Action=GetRole&Version=2010-05-08",
        content_type=FORM,
        content_encoding=None,
    )
    assert form == {
        "Action": "GetRole",
        "Version": "2010-05-08",
        "RoleName": "r\u00e9le",
        "Path": "/a b/",
    }


def test_first_occurrence_wins_query_string_before_body() -> None:
    form = decode_form(
        b"Action=DeleteRole&RoleName=b&RoleName=c",
        query_string="Action=GetRole",
        content_type=FORM,
        content_encoding=None,
    )
    assert form == {"Action": "GetRole", "RoleName": "b"}


def test_keys_without_value_and_empty_pairs() -> None:
    form = decode_form(b"Tags=&&Flag", query_string="", content_type=FORM, content_encoding=None)
    assert form == {"Tags": "", "Flag": ""}


def test_gzip_body_is_inflated() -> None:
    body = gzip.compress(b"Action=GetCallerIdentity&Version=2011-06-15")
    form = decode_form(body, query_string="", content_type=FORM, content_encoding="gzip")
    assert form == {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


def test_identity_encoding_is_a_no_op() -> None:
    form = decode_form(b"A=1", query_string="", content_type=FORM, content_encoding="identity")
    assert form == {"A": "1"}


def test_missing_content_type_is_read_as_a_form() -> None:
    assert decode_form(b"A=1", query_string="", content_type=None, content_encoding=None) == {
        "A": "1"
    }


def test_other_content_types_are_not_read() -> None:
    form = decode_form(
        b'{"Action": "GetRole"}',
        query_string="Version=2010-05-08",
        content_type="application/json",
        content_encoding=None,
    )
    assert form == {"Version": "2010-05-08"}


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (
            b"A=%zz",
            None,
            'URLDecoder: Illegal hex characters in escape (%) pattern - For input string: "zz"',
        ),
        (b"A=%4", None, "URLDecoder: Incomplete trailing escape (%) pattern"),
        (b"A=%", None, "URLDecoder: Incomplete trailing escape (%) pattern"),
        (b"A=%C3%28", None, "Request parameters are not valid UTF-8"),
        (b"A=\xff", None, "Request parameters are not valid UTF-8"),
        (b"not gzip", "gzip", None),
        # mtime=0: the same bytes, hence the same test ids, in every xdist worker
        (gzip.compress(b"A=1", mtime=0)[:-6], "gzip", None),
        (b"A=1", "br", "Unsupported Content-Encoding: br"),
    ],
)
def test_malformed_input_is_malformed_query_string(
    body: bytes, encoding: str | None, message: str | None
) -> None:
    with pytest.raises(MalformedQueryString) as caught:
        decode_form(body, query_string="", content_type=FORM, content_encoding=encoding)
    if message is not None:
        assert caught.value.message == message
    assert caught.value.code == "MalformedQueryString"


def test_malformed_query_string_escape() -> None:
    with pytest.raises(MalformedQueryString):
        decode_form(b"", query_string="Action=%G1", content_type=None, content_encoding=None)
