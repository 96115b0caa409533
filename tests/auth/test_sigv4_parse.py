"""parse_sigv4: malformed Authorization headers and presigned queries, with AWS's messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rolegate.auth.sigv4 import HttpRequest, parse_sigv4
from rolegate.domain.errors import IncompleteSignature, SignatureDoesNotMatch

DATE = ("X-Amz-Date", "20150830T123600Z")
HOST = ("Host", "iam.amazonaws.com")
GOOD = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "ab" * 32
)


def _request(*headers: tuple[str, str], query: str = "") -> HttpRequest:
    return HttpRequest("POST", "/", query, (HOST, *headers), b"")


def _error(request: HttpRequest) -> str:
    with pytest.raises(IncompleteSignature) as raised:
        parse_sigv4(request)
    assert raised.value.code == "IncompleteSignature"
    assert raised.value.status == 400
    return raised.value.message


def test_no_authentication_at_all_is_none() -> None:
    assert parse_sigv4(_request(DATE)) is None
    assert parse_sigv4(_request(DATE, ("Authorization", "   "))) is None
    assert parse_sigv4(_request(query="Action=GetCallerIdentity&Version=2011-06-15")) is None
    assert parse_sigv4(_request(query="X-Amz-Date=20150830T123600Z")) is None


def test_well_formed_header() -> None:
    claim = parse_sigv4(_request(DATE, ("authorization", GOOD), ("X-Amz-Security-Token", "t")))
    assert claim is not None
    assert claim.access_key_id == "AKIDEXAMPLE"
    assert (claim.date, claim.region, claim.service) == ("20150830", "us-east-1", "iam")
    assert claim.signed_headers == ("host", "x-amz-date")
    assert claim.signature == "ab" * 32
    assert claim.request_time == datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
    assert claim.security_token == "t"
    assert not claim.presigned and claim.expires is None


def test_extra_spaces_and_missing_spaces_between_components() -> None:
    squeezed = GOOD.replace(", ", ",")
    loose = GOOD.replace(", ", " ,   ").replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256   ")
    for header in (squeezed, loose):
        claim = parse_sigv4(_request(DATE, ("Authorization", header)))
        assert claim is not None and claim.signature == "ab" * 32


def test_every_parameter_missing() -> None:
    header = "AWS4-HMAC-SHA256 Foo=bar"
    assert _error(_request(("Authorization", header))) == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 Foo=bar"
    )


def test_one_parameter_missing() -> None:
    header = GOOD.split(", Signature=")[0]
    assert _error(_request(DATE, ("Authorization", header))) == (
        f"Authorization header requires 'Signature' parameter. Authorization={header}"
    )


def test_date_missing() -> None:
    assert _error(_request(("Authorization", GOOD))) == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={GOOD}"
    )


def test_http_date_header_is_accepted_without_x_amz_date() -> None:
    http_date = ("Date", "Sun, 30 Aug 2015 12:36:00 GMT")
    claim = parse_sigv4(_request(http_date, ("Authorization", GOOD)))
    assert claim is not None
    assert claim.request_time == datetime(2015, 8, 30, 12, 36, tzinfo=UTC)


def test_missing_equal_sign() -> None:
    assert _error(_request(DATE, ("Authorization", "Bearer abc.def"))) == (
        "'abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'Bearer abc.def'."
    )


def test_unsupported_algorithm() -> None:
    header = GOOD.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")
    assert _error(_request(DATE, ("Authorization", header))) == (
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "
    )


@pytest.mark.parametrize(
    "credential",
    [
        "AKIDEXAMPLE/20150830/us-east-1/iam",
        "AKID/EXAMPLE/20150830/us-east-1/iam/aws4_request",
        "AKIDEXAMPLE",
        "AKIDEXAMPLE/20150830/us-east-1/iam/",
        "AKIDEXAMPLE//us-east-1/iam/aws4_request/x",
    ],
)
def test_credential_needs_five_elements(credential: str) -> None:
    header = GOOD.replace("AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request", credential)
    assert _error(_request(DATE, ("Authorization", header))) == (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{credential}'"
    )


def test_host_must_be_signed() -> None:
    for signed in ("x-amz-date", "", "hostx;x-amz-date"):
        header = GOOD.replace("SignedHeaders=host;x-amz-date", f"SignedHeaders={signed}")
        with pytest.raises(SignatureDoesNotMatch) as raised:
            parse_sigv4(_request(DATE, ("Authorization", header)))
        assert raised.value.message == (
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )


def test_host_check_ignores_case() -> None:
    header = GOOD.replace("SignedHeaders=host;x-amz-date", "SignedHeaders=Host;x-amz-date")
    claim = parse_sigv4(_request(DATE, ("Authorization", header)))
    assert claim is not None and claim.signed_headers == ("Host", "x-amz-date")


def test_checks_come_in_aws_order() -> None:
    """Syntax, missing parameters, date format, Host, algorithm, then the Credential."""
    bad_everything = "AWS4-HMAC-SHA1 Credential=a/b, SignedHeaders=date, Signature=x"
    bad_date = ("X-Amz-Date", "yesterday")
    assert _error(_request(("Authorization", bad_everything + ", oops"))).startswith("'oops'")
    assert _error(_request(bad_date, ("Authorization", "AWS4-HMAC-SHA1 Signature=x"))).startswith(
        "Authorization header requires 'Credential' parameter."
    )
    assert _error(_request(bad_date, ("Authorization", bad_everything))).startswith("Date must")
    with pytest.raises(SignatureDoesNotMatch):
        parse_sigv4(_request(DATE, ("Authorization", bad_everything)))
    host_signed = bad_everything.replace("=date", "=host")
    assert _error(_request(DATE, ("Authorization", host_signed))).startswith("Unsupported")
    good_algorithm = host_signed.replace("SHA1", "SHA256")
    assert _error(_request(DATE, ("Authorization", good_algorithm))).startswith("Credential must")


@pytest.mark.parametrize(
    "value", ["2015-08-30T12:36:00Z", "20150830T123600", "20151330T123600Z", "2015083OT123600Z"]
)
def test_malformed_x_amz_date(value: str) -> None:
    assert _error(_request(("X-Amz-Date", value), ("Authorization", GOOD))) == (
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


PRESIGNED = (
    "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request"
    "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
    "&X-Amz-Security-Token=a%2Bb%2Fc%3D&X-Amz-Signature=" + "cd" * 32
)


def test_well_formed_presigned_query() -> None:
    claim = parse_sigv4(_request(query=PRESIGNED))
    assert claim is not None
    assert claim.presigned and claim.expires == 900
    assert (claim.access_key_id, claim.service) == ("AKIDEXAMPLE", "sts")
    assert claim.security_token == "a+b/c="
    assert claim.signed_headers == ("host",)


def test_presigned_parameters_missing() -> None:
    query = "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-SignedHeaders=host"
    assert _error(_request(query=query)) == (
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters."
    )


def test_presigned_algorithm_and_expires() -> None:
    bad_algorithm = PRESIGNED.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")
    assert _error(_request(query=bad_algorithm)) == (
        "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). "
    )
    assert _error(_request(query=PRESIGNED.replace("Expires=900", "Expires=-1"))) == (
        "X-Amz-Expires should be a number"
    )
    assert _error(_request(query=PRESIGNED.replace("Expires=900", "Expires=604801"))) == (
        "X-Amz-Expires must be less than a week (in seconds) that is 604800"
    )


def test_authorization_header_wins_over_query() -> None:
    claim = parse_sigv4(_request(DATE, ("Authorization", GOOD), query=PRESIGNED))
    assert claim is not None and not claim.presigned


def test_trailing_slashes_after_the_credential_are_ignored() -> None:
    header = GOOD.replace("aws4_request,", "aws4_request//,")
    claim = parse_sigv4(_request(DATE, ("Authorization", header)))
    assert claim is not None and claim.terminator == "aws4_request"


def test_missing_equal_sign_message_quotes_the_header_as_sent() -> None:
    """AWS's answer to this header, as recorded by dynalite (a DynamoDB emulator)."""
    header = "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders"
    assert _error(_request(DATE, ("Authorization", header))) == (
        "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'."
    )
