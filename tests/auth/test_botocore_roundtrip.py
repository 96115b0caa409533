"""botocore signs, rolegate verifies: header and presigned, with and without a session token."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest

from rolegate.auth.sigv4 import (
    SIGNATURE_MISMATCH,
    HttpRequest,
    SigV4Claim,
    SigV4Verifier,
    parse_sigv4,
    verify_sigv4,
)
from rolegate.domain.errors import (
    AwsError,
    IncompleteSignature,
    RequestExpired,
    SignatureDoesNotMatch,
)

from .botocore_requests import (
    ACCESS_KEY_ID,
    ENDPOINT,
    SECRET,
    SESSION_TOKEN,
    client_request,
    presigned_url,
    sign_raw,
    url_request,
)

TRUST_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)
CREATE_ROLE = {
    "RoleName": "app-role",
    "Path": "/team a/",
    "AssumeRolePolicyDocument": TRUST_POLICY,
    "Description": "ünïcode + spaces & ampersands=yes ~*'()",
    "Tags": [{"Key": "k", "Value": "v/w"}],
}


def _claim(request: HttpRequest) -> SigV4Claim:
    claim = parse_sigv4(request)
    assert claim is not None
    return claim


def _verify(request: HttpRequest, *, secret: str = SECRET, offset: timedelta = timedelta()) -> None:
    claim = _claim(request)
    verify_sigv4(claim, request, secret, claim.request_time + offset)


def _header_requests() -> dict[str, HttpRequest]:
    get_url = f"{ENDPOINT}/?Action=ListRoles&Version=2010-05-08&PathPrefix=%2Fteam%20a%2F"
    return {
        "iam-post": client_request("iam", "create_role", CREATE_ROLE),
        "iam-post-token": client_request("iam", "create_role", CREATE_ROLE, token=SESSION_TOKEN),
        "sts-post": client_request("sts", "get_caller_identity", {}),
        "sts-assume-role-token": client_request(
            "sts",
            "assume_role",
            {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s@x.com"},
            token=SESSION_TOKEN,
        ),
        "iam-get": sign_raw("GET", get_url),
        "iam-get-token": sign_raw("GET", get_url, token=SESSION_TOKEN),
    }


def _presigned_requests() -> dict[str, HttpRequest]:
    form = {"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "r", "Path": "/a b/"}
    return {
        "sts-presigned": url_request(presigned_url("sts", "get_caller_identity", {}, expires=900)),
        "sts-presigned-token": url_request(
            presigned_url("sts", "get_caller_identity", {}, expires=900, token=SESSION_TOKEN)
        ),
        "iam-post-presigned": sign_raw("POST", f"{ENDPOINT}/", data=form, presign_expires=300),
        "iam-post-presigned-token": sign_raw(
            "POST", f"{ENDPOINT}/", data=form, presign_expires=300, token=SESSION_TOKEN
        ),
    }


HEADER = _header_requests()
PRESIGNED = _presigned_requests()
ALL = {**HEADER, **PRESIGNED}


@pytest.mark.parametrize("name", sorted(ALL))
def test_botocore_signature_verifies(name: str) -> None:
    request = ALL[name]
    claim = _claim(request)
    assert claim.access_key_id == ACCESS_KEY_ID
    assert claim.region == "us-east-1"
    assert claim.presigned == (name in PRESIGNED)
    assert claim.security_token == (SESSION_TOKEN if name.endswith("token") else None)
    expected_service = "sts" if name.startswith("sts") else "iam"
    assert claim.service == expected_service
    verifier = SigV4Verifier(service=expected_service, regions={"us-east-1"})
    verifier.verify(claim, request, SECRET, claim.request_time)
    verifier.verify(claim, request, SECRET, claim.request_time)  # second time from the cache
    assert len(verifier.key_cache) == 1


@pytest.mark.parametrize("name", sorted(ALL))
def test_wrong_secret_is_rejected(name: str) -> None:
    with pytest.raises(SignatureDoesNotMatch) as raised:
        _verify(ALL[name], secret=SECRET.replace("K", "k", 1))
    assert raised.value.message == SIGNATURE_MISMATCH
    assert raised.value.status == 403


def _mutants(request: HttpRequest, claim: SigV4Claim) -> list[tuple[str, HttpRequest]]:
    mutants = []
    signed = set(claim.signed_headers)
    for index, (name, value) in enumerate(request.headers):
        if name.lower() not in signed and name.lower() != "authorization":
            continue
        key_id_at = value.find(ACCESS_KEY_ID) if name.lower() == "authorization" else -1
        for pos, char in enumerate(value):
            if char in " ,;=/":
                continue  # structural characters of the Authorization header, tested below
            if 0 <= key_id_at <= pos < key_id_at + len(ACCESS_KEY_ID):
                continue  # not signed: another key id means another secret (server's lookup)
            changed = value[:pos] + ("a" if char != "a" else "b") + value[pos + 1 :]
            headers = list(request.headers)
            headers[index] = (name, changed)
            mutants.append((f"{name}[{pos}]", dataclasses.replace(request, headers=tuple(headers))))
    for pos in range(len(request.body)):
        body = bytearray(request.body)
        body[pos] ^= 0x20 if body[pos] != ord("=") else 0x01
        mutants.append((f"body[{pos}]", dataclasses.replace(request, body=bytes(body))))
    for pos, char in enumerate(request.query_string):
        changed = request.query_string[:pos] + ("a" if char != "a" else "b")
        changed += request.query_string[pos + 1 :]
        mutants.append((f"query[{pos}]", dataclasses.replace(request, query_string=changed)))
    mutants.append(("path", dataclasses.replace(request, path="/x")))
    return mutants


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_changed_byte_is_rejected(name: str) -> None:
    request = ALL[name]
    claim = _claim(request)
    accepted = []
    for label, mutant in _mutants(request, claim):
        try:
            _verify(mutant, offset=timedelta())
        except AwsError:
            continue
        accepted.append(label)
    assert accepted == []


@pytest.mark.parametrize("name", sorted(HEADER))
def test_body_hash_header_must_match_the_body(name: str) -> None:
    request = HEADER[name]
    for declared in ("UNSIGNED-PAYLOAD", "0" * 64):
        forged = dataclasses.replace(
            request, headers=(*request.headers, ("x-amz-content-sha256", declared))
        )
        with pytest.raises(SignatureDoesNotMatch):
            _verify(forged)


@pytest.mark.parametrize("name", ["iam-post", "sts-presigned"])
def test_clock_skew_boundaries(name: str) -> None:
    request = ALL[name]
    fifteen = timedelta(minutes=15)
    second = timedelta(seconds=1)
    _verify(request, offset=fifteen)
    _verify(request, offset=-fifteen)
    claim = _claim(request)
    t = claim.request_time
    with pytest.raises(SignatureDoesNotMatch) as late:
        verify_sigv4(claim, request, SECRET, t + fifteen + second)
    stamp = t.strftime("%Y%m%dT%H%M%SZ")
    now = (t + fifteen + second).strftime("%Y%m%dT%H%M%SZ")
    limit = (t + second).strftime("%Y%m%dT%H%M%SZ")
    assert late.value.message == (
        f"Signature expired: {stamp} is now earlier than {limit} ({now} - 15 min.)"
    )
    with pytest.raises(SignatureDoesNotMatch) as early:
        verify_sigv4(claim, request, SECRET, t - fifteen - second)
    now = (t - fifteen - second).strftime("%Y%m%dT%H%M%SZ")
    limit = (t - second).strftime("%Y%m%dT%H%M%SZ")
    assert early.value.message == (
        f"Signature not yet current: {stamp} is still later than {limit} ({now} + 15 min.)"
    )


def test_skew_message_matches_aws_example() -> None:
    request = HEADER["iam-post"]
    signed = _claim(request)
    claim = dataclasses.replace(
        signed, date="20150830", request_time=signed.request_time.replace(2015, 8, 30, 12, 36, 0)
    )
    now = claim.request_time.replace(hour=13, minute=6)
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(claim, request, SECRET, now)
    assert raised.value.message == (
        "Signature expired: 20150830T123600Z is now earlier than 20150830T125100Z "
        "(20150830T130600Z - 15 min.)"
    )


def test_presigned_url_past_its_expiry() -> None:
    request = sign_raw("GET", f"{ENDPOINT}/?Action=ListRoles", presign_expires=60)
    claim = _claim(request)
    assert claim.expires == 60
    verify_sigv4(claim, request, SECRET, claim.request_time + timedelta(seconds=60))
    with pytest.raises(RequestExpired) as raised:
        verify_sigv4(claim, request, SECRET, claim.request_time + timedelta(seconds=61))
    assert raised.value.message == "Request has expired."
    assert raised.value.code == "RequestExpired"


def test_long_presign_is_still_bound_by_the_skew_window() -> None:
    """STS honours at most 15 minutes whatever X-Amz-Expires says (aws-sdk-go issue 2167)."""
    request = url_request(presigned_url("sts", "get_caller_identity", {}, expires=3600))
    claim = _claim(request)
    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature expired"):
        verify_sigv4(claim, request, SECRET, claim.request_time + timedelta(minutes=16))


def test_scope_date_must_be_the_request_day() -> None:
    request = HEADER["iam-post"]
    claim = _claim(request)
    day = claim.request_time + timedelta(days=1)
    other = dataclasses.replace(claim, date=day.strftime("%Y%m%d"))
    stamp = claim.request_time.strftime("%Y%m%dT%H%M%SZ")
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(other, request, SECRET, claim.request_time)
    assert raised.value.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '{other.date}' != '{stamp[:8]}', from '{stamp}'."
    )


def test_scope_terminator_service_and_region_are_bound() -> None:
    request = HEADER["iam-post"]
    claim = _claim(request)
    now = claim.request_time
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(dataclasses.replace(claim, terminator="aws4_requesT"), request, SECRET, now)
    assert raised.value.message == (
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesT'. "
    )
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(claim, request, SECRET, now, service="sts")
    assert raised.value.message == "Credential should be scoped to correct service: 'sts'. "
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(claim, request, SECRET, now, regions={"eu-west-1"})
    assert raised.value.message == "Credential should be scoped to a valid region. "
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(claim, request, SECRET, now, regions={"eu-west-1"}, name_region=True)
    assert (
        raised.value.message == "Credential should be scoped to a valid region, not 'us-east-1'. "
    )
    everything = dataclasses.replace(claim, terminator="x", date="20000101")
    with pytest.raises(SignatureDoesNotMatch) as raised:
        verify_sigv4(everything, request, SECRET, now, service="sts", regions={"eu-west-1"})
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    assert raised.value.message == (
        "Credential should be scoped to a valid region. "
        "Credential should be scoped to correct service: 'sts'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'x'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '20000101' != '{stamp[:8]}', from '{stamp}'."
    )


def test_skew_is_checked_before_the_scope() -> None:
    request = HEADER["iam-post"]
    claim = _claim(request)
    wrong_scope = dataclasses.replace(claim, terminator="x")
    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature expired"):
        verify_sigv4(wrong_scope, request, SECRET, claim.request_time + timedelta(hours=1))


def test_signature_comparison_is_exact() -> None:
    request = HEADER["iam-get"]
    claim = _claim(request)
    for forged in (claim.signature.upper(), claim.signature[:-1], claim.signature + "0", ""):
        with pytest.raises(SignatureDoesNotMatch):
            forged_claim = dataclasses.replace(claim, signature=forged)
            verify_sigv4(forged_claim, request, SECRET, claim.request_time)


def test_unsigned_headers_may_change() -> None:
    request = HEADER["iam-post"]
    changed = dataclasses.replace(
        request,
        headers=tuple(
            (name, "other-agent/1.0" if name.lower() == "user-agent" else value)
            for name, value in request.headers
        ),
    )
    _verify(changed)


def test_incomplete_signature_is_a_400() -> None:
    assert IncompleteSignature.status == 400


def test_naive_now_is_taken_as_utc() -> None:
    request = HEADER["iam-post"]
    claim = _claim(request)
    verify_sigv4(claim, request, SECRET, claim.request_time.replace(tzinfo=None))
    with pytest.raises(SignatureDoesNotMatch):
        late = claim.request_time.replace(tzinfo=None) + timedelta(minutes=16)
        verify_sigv4(claim, request, SECRET, late)


def test_declared_body_hash_is_used_when_it_matches() -> None:
    body = "Action=ListRoles&Version=2010-05-08"
    digest = hashlib.sha256(body.encode()).hexdigest()
    headers = {"X-Amz-Content-SHA256": digest, "Content-Type": "application/x-www-form-urlencoded"}
    request = sign_raw("POST", f"{ENDPOINT}/", data=body, headers=headers)
    claim = _claim(request)
    assert "x-amz-content-sha256" in claim.signed_headers
    verify_sigv4(claim, request, SECRET, claim.request_time)
    with pytest.raises(SignatureDoesNotMatch):
        _verify(dataclasses.replace(request, body=request.body + b"&x=y"))


def test_unsigned_payload_only_for_presigned_requests() -> None:
    unsigned = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    url = f"{ENDPOINT}/?Action=ListRoles"
    presigned = sign_raw("GET", url, headers=unsigned, presign_expires=60)
    claim = _claim(presigned)
    assert claim.presigned and "x-amz-content-sha256" in claim.signed_headers
    verify_sigv4(claim, presigned, SECRET, claim.request_time)
    signed = sign_raw("POST", f"{ENDPOINT}/", data="Action=ListRoles", headers=unsigned)
    with pytest.raises(SignatureDoesNotMatch):
        _verify(signed)


def test_a_body_beside_an_unsigned_payload_presign_is_refused_when_parsed() -> None:
    """The signature covers no body, so parameters in one are not the signer's."""
    unsigned = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    presigned = sign_raw(
        "POST", f"{ENDPOINT}/?Action=ListRoles", headers=unsigned, presign_expires=60
    )
    assert _claim(presigned).presigned
    with pytest.raises(SignatureDoesNotMatch) as raised:
        parse_sigv4(dataclasses.replace(presigned, body=b"PathPrefix=%2Fx%2F"))
    assert (raised.value.status, raised.value.message) == (403, SIGNATURE_MISMATCH)


def test_date_header_instead_of_x_amz_date() -> None:
    """Signed with botocore's primitives: the Date header, in ISO basic form in the signature."""
    credentials = botocore.credentials.Credentials(ACCESS_KEY_ID, SECRET)
    signer = botocore.auth.SigV4Auth(credentials, "iam", "us-east-1")
    aws_request = botocore.awsrequest.AWSRequest(
        method="GET",
        url=f"{ENDPOINT}/?Action=ListRoles",
        headers={"Date": "Sun, 30 Aug 2015 12:36:00 GMT", "Host": "rolegate.test:8080"},
    )
    aws_request.context["timestamp"] = "20150830T123600Z"
    to_sign = signer.string_to_sign(aws_request, signer.canonical_request(aws_request))
    signature = signer.signature(to_sign, aws_request)
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20150830/us-east-1/iam/aws4_request, "
        f"SignedHeaders=date;host, Signature={signature}"
    )
    request = HttpRequest(
        "GET",
        "/",
        "Action=ListRoles",
        (
            ("Host", "rolegate.test:8080"),
            ("Date", "Sun, 30 Aug 2015 12:36:00 GMT"),
            ("Authorization", authorization),
        ),
        b"",
    )
    _verify(request)
    with pytest.raises(SignatureDoesNotMatch):
        _verify(dataclasses.replace(request, query_string="Action=ListUsers"))
    bad = (("Date", "yesterday"), *request.headers[2:])
    with pytest.raises(IncompleteSignature, match=r"^Date must be in ISO-8601 'basic format'"):
        parse_sigv4(dataclasses.replace(request, headers=bad))
