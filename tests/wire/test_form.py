"""decode_form: GET + POST merge, gzip, and malformed encodings answered as AWS errors."""

from __future__ import annotations

import gzip

import pytest

from rolegate.domain.errors import MalformedQueryString, RequestEntityTooLarge
from rolegate.wire import decode_form
from rolegate.wire.form import MAX_PARAMETERS, MAX_REQUEST_BYTES, MAX_UNSIGNED_REQUEST_BYTES

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


# --- bounds: what decoding may cost before anyone is authenticated ----------------------------


@pytest.mark.parametrize("limit", [MAX_UNSIGNED_REQUEST_BYTES, MAX_REQUEST_BYTES])
def test_the_query_string_and_the_body_share_one_size_limit(limit: int) -> None:
    """1 MiB without a signature, 32 MiB with one (the pipeline picks the limit)."""
    half = b"A=" + b"x" * (limit // 2)
    decode_form(
        half[:-10], query_string="B=1", content_type=FORM, content_encoding=None, limit=limit
    )
    with pytest.raises(RequestEntityTooLarge) as caught:
        decode_form(
            half, query_string=half.decode(), content_type=FORM, content_encoding=None, limit=limit
        )
    assert (caught.value.status, caught.value.message) == (
        413,
        f"Request size {2 * len(half)} exceeded {limit} bytes",
    )


def test_the_default_limit_is_the_signed_one() -> None:
    body = b"A=" + b"x" * (2 * MAX_UNSIGNED_REQUEST_BYTES)
    form = decode_form(body, query_string="", content_type=FORM, content_encoding=None)
    assert len(form["A"]) == 2 * MAX_UNSIGNED_REQUEST_BYTES
    with pytest.raises(RequestEntityTooLarge):
        decode_form(
            body,
            query_string="",
            content_type=FORM,
            content_encoding=None,
            limit=MAX_UNSIGNED_REQUEST_BYTES,
        )


def test_parameters_are_counted_before_any_is_decoded() -> None:
    at_limit = b"&".join(b"k%d=v" % i for i in range(MAX_PARAMETERS))
    assert len(
        decode_form(at_limit, query_string="", content_type=FORM, content_encoding=None)
    ) == (MAX_PARAMETERS)
    with pytest.raises(RequestEntityTooLarge) as caught:
        decode_form(at_limit, query_string="X=1", content_type=FORM, content_encoding=None)
    assert caught.value.message == (
        f"Request parameter count {MAX_PARAMETERS + 1} exceeded {MAX_PARAMETERS} parameters"
    )


def test_inflating_stops_at_the_limit() -> None:
    limit = MAX_UNSIGNED_REQUEST_BYTES
    bomb = gzip.compress(b"A=" + b"0" * (16 * limit))
    with pytest.raises(RequestEntityTooLarge) as caught:
        decode_form(bomb, query_string="", content_type=FORM, content_encoding="gzip", limit=limit)
    assert caught.value.message == f"Request size exceeded {limit} bytes when decompressed"


@pytest.mark.parametrize("encoding", ["gzip, gzip", "gzip,gzip, identity", "identity, gzip, gzip"])
def test_one_content_coding_at_most(encoding: str) -> None:
    body = gzip.compress(gzip.compress(b"A=1"))
    with pytest.raises(MalformedQueryString) as caught:
        decode_form(body, query_string="", content_type=FORM, content_encoding=encoding)
    assert caught.value.message == (
        f"Unsupported Content-Encoding: {encoding} (one gzip coding at most)"
    )


def test_identity_beside_gzip_is_still_one_coding() -> None:
    body = gzip.compress(b"A=1")
    form = decode_form(body, query_string="", content_type=FORM, content_encoding="identity, gzip")
    assert form == {"A": "1"}
