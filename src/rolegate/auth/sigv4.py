"""AWS Signature Version 4: parse the claim a request makes, then verify it (pure; no clock).

AWS: "AWS Signature Version 4 for API requests" and "Elements of an AWS API request signature"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html),
"Troubleshoot signing" (reference_sigv-troubleshooting.html).

Error codes, messages and the order of the checks follow what AWS answers (IAM/STS responses
quoted in client bug reports; AWS's shared front end also answers JSON services, where the codes
are named IncompleteSignatureException / InvalidSignatureException):

1. key=value syntax, then the missing parameters (all listed) -> ``IncompleteSignature`` (400);
2. date format -> ``IncompleteSignature``; clock skew beyond 15 minutes -> ``SignatureDoesNotMatch``
   (403), e.g. "Signature expired: 20150830T123600Z is now earlier than 20150830T125100Z
   (20150830T130600Z - 15 min.)";
3. Host not signed -> ``SignatureDoesNotMatch``; algorithm, Credential element count ->
   ``IncompleteSignature``;
4. credential scope (region, service, terminator, date; all listed) -> ``SignatureDoesNotMatch``;
5. (the server: unknown access key -> InvalidClientTokenId), then the signature itself.

Skew needs the clock, so it is checked in ``verify_sigv4`` after everything ``parse_sigv4``
checks: a request both expired and malformed is reported as malformed. A presigned URL used after
its ``X-Amz-Expires`` -> ``RequestExpired`` (400) "Request has expired.".

The region check names the region it refuses where the service does (IAM: "Credential should be
scoped to a valid region, not 'eu-west-1'. "; STS: "Credential should be scoped to a valid
region. ").

Parameters come only from what the signature covers: a presigned URL whose payload is
``UNSIGNED-PAYLOAD`` (``x-amz-content-sha256``) covers no body, so a body sent with it is refused
(``SignatureDoesNotMatch``, as any body the signature does not match) before anything reads it.
botocore's presigner moves every parameter into the query string; a body added to such a URL
can only come from someone other than its signer.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

from rolegate.auth.sigv4_canonical import (
    ALGORITHM,
    TERMINATOR,
    UNSIGNED_PAYLOAD,
    canonical_request,
    derive_signing_key,
    signature_hex,
    string_to_sign,
)
from rolegate.domain.errors import IncompleteSignature, RequestExpired, SignatureDoesNotMatch

__all__ = [
    "DEFAULT_MAX_SKEW",
    "SIGNATURE_MISMATCH",
    "HttpRequest",
    "SigV4Claim",
    "SigV4Verifier",
    "SigningKeyCache",
    "canonical_request",
    "canonical_request_for",
    "check_claim",
    "check_signature",
    "parse_sigv4",
    "string_to_sign",
    "verify_sigv4",
]

DEFAULT_MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGN_EXPIRES = 604800  # seven days, the longest a SigV4 signing key is valid

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)
_PRESIGN_MARKERS = frozenset(_PRESIGN_PARAMS[:4])
_AUTH_HEADERS = frozenset(
    {"authorization", "x-amz-date", "date", "x-amz-security-token", "x-amz-content-sha256"}
)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request as received: raw, undecoded values.

    ``path`` (no query), ``query_string`` (no '?') and header values are the wire bytes decoded
    as latin-1, as ASGI servers hand them over; ``body`` is the body before any
    Content-Encoding is undone. Header names compare case-insensitively; repeats are kept.
    """

    method: str
    path: str
    query_string: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # The body's SHA-256 (hex) when the body itself is not at hand: a proxy asking the
    # authorization service about a request it holds reports the hash instead of the bytes.
    body_sha256: str | None = None

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True, slots=True)
class SigV4Claim:
    """What the request says about its signature; parsed, not yet verified."""

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    request_time: datetime
    security_token: str | None
    presigned: bool
    expires: int | None
    amz_date: str  # ``request_time`` in ISO 8601 basic format, as the string to sign has it
    terminator: str = TERMINATOR

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


# --- parsing -----------------------------------------------------------------------------------


def may_carry_signature(headers: Iterable[tuple[str, str]], query_string: str) -> bool:
    """Whether a request may carry a signature (an ``Authorization`` header, or ``X-Amz-``
    parameters in its query string): cheap, read before the body, which a request that carries
    none may hold less of. :func:`parse_sigv4` then decides."""
    if "X-Amz-" in query_string:
        return True
    return any(name.lower() == "authorization" and value.strip() for name, value in headers)


def parse_sigv4(request: HttpRequest) -> SigV4Claim | None:
    """The claim of ``request``, or None when it carries no authentication at all.

    Raises IncompleteSignature for an ``Authorization`` header or presigned query that is not
    well formed, with AWS's messages (SignatureDoesNotMatch when Host is not signed).
    """
    headers = _first_values(request.headers, _AUTH_HEADERS)
    authorization = headers.get("authorization")
    if authorization is not None and authorization.strip():
        return _parse_authorization(authorization, headers)
    if "X-Amz-" in request.query_string:
        params = _decoded_query(request.query_string)
        if not _PRESIGN_MARKERS.isdisjoint(params):
            claim = _parse_presigned(params)
            if request.body and headers.get("x-amz-content-sha256") == UNSIGNED_PAYLOAD:
                raise SignatureDoesNotMatch(SIGNATURE_MISMATCH)  # a body it does not cover
            return claim
    return None


def _first_values(headers: Iterable[tuple[str, str]], names: frozenset[str]) -> dict[str, str]:
    """The first value of each header in ``names`` (lower-case), in one pass."""
    found: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in names and lowered not in found:
            found[lowered] = value
    return found


def _parse_authorization(header: str, headers: dict[str, str]) -> SigV4Claim:
    text = header.strip()
    algorithm, _, rest = text.partition(" ")
    fields: dict[str, str] = {}
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        key, equals, value = component.partition("=")
        if not equals:
            raise IncompleteSignature(
                f"'{component}' not a valid key=value pair (missing equal-sign) in "
                f"Authorization header: '{text}'."
            )
        fields.setdefault(key.strip(), value.strip())
    amz_date = headers.get("x-amz-date")
    http_date = headers.get("date") if amz_date is None else None
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in fields
    ]
    if amz_date is None and http_date is None:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if missing:
        raise IncompleteSignature("".join(missing) + f"Authorization={text}")
    if amz_date is not None:
        request_time = _parse_amz_date(amz_date)
    else:  # present: its absence was reported above
        request_time = _parse_http_date(http_date or "")
        amz_date = _basic(request_time)
    signed_headers = _signed_headers(fields["SignedHeaders"])
    _check_algorithm(algorithm)
    key_id, date, region, service, terminator = _split_credential(fields["Credential"])
    return SigV4Claim(
        access_key_id=key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=signed_headers,
        signature=fields["Signature"],
        request_time=request_time,
        security_token=headers.get("x-amz-security-token"),
        presigned=False,
        expires=None,
        terminator=terminator,
        amz_date=amz_date,
    )


def _parse_presigned(params: dict[str, str]) -> SigV4Claim:
    missing = [
        f"AWS query-string parameters must include '{name}'. "
        for name in _PRESIGN_PARAMS
        if name not in params
    ]
    if missing:
        raise IncompleteSignature("".join(missing) + "Re-examine the query-string parameters.")
    request_time = _parse_amz_date(params["X-Amz-Date"])
    expires = _parse_expires(params.get("X-Amz-Expires"))
    signed_headers = _signed_headers(params["X-Amz-SignedHeaders"])
    _check_algorithm(params["X-Amz-Algorithm"])
    key_id, date, region, service, terminator = _split_credential(params["X-Amz-Credential"])
    return SigV4Claim(
        access_key_id=key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=signed_headers,
        signature=params["X-Amz-Signature"],
        request_time=request_time,
        security_token=params.get("X-Amz-Security-Token"),
        presigned=True,
        expires=expires,
        terminator=terminator,
        amz_date=params["X-Amz-Date"],
    )


def _decoded_query(raw_query: str) -> dict[str, str]:
    """The decoded ``X-Amz-*`` query parameters (first occurrence wins): the others' values
    (a session policy, a role ARN) are the form decoder's to read."""
    params: dict[str, str] = {}
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if key.startswith("X-Amz-") and key not in params:
            params[key] = unquote_plus(value) if "%" in value or "+" in value else value
    return params


def _check_algorithm(algorithm: str) -> None:
    if algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': '{algorithm}' (only {ALGORITHM} for now). "
        )


def _split_credential(credential: str) -> tuple[str, str, str, str, str]:
    """keyid/date/region/service/terminator; trailing empty elements are ignored, as AWS does."""
    parts = credential.split("/")
    while parts and not parts[-1]:
        parts.pop()
    if len(parts) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def _signed_headers(value: str) -> tuple[str, ...]:
    names = tuple(value.split(";"))
    lowered = value.lower().split(";")
    if "host" not in lowered and ":authority" not in lowered:  # case-insensitive, as AWS
        raise SignatureDoesNotMatch(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    return names


def _bad_date(value: str) -> IncompleteSignature:
    return IncompleteSignature(
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _parse_amz_date(value: str) -> datetime:
    """``YYYYMMDD'T'HHMMSS'Z'`` (ISO 8601 basic format, UTC), parsed without strptime."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        raise _bad_date(value)
    digits = value[:8] + value[9:15]
    if not digits.isascii() or not digits.isdigit():
        raise _bad_date(value)
    try:
        return datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        raise _bad_date(value) from None


def _parse_http_date(value: str) -> datetime:
    """An RFC 7231 ``Date`` header (used only when X-Amz-Date is absent)."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise _bad_date(value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_expires(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise IncompleteSignature("X-Amz-Expires should be a number")
    expires = int(value)
    if expires > MAX_PRESIGN_EXPIRES:
        raise IncompleteSignature(
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}"
        )
    return expires


# --- verification ------------------------------------------------------------------------------


class SigningKeyCache:
    """A small, bounded LRU of derived signing keys per (secret, date, region, service).

    A signing key is valid for one day, region and service, so a busy client costs one
    derivation a day. Thread-safe; owned by whoever verifies (no module-level state).
    """

    def __init__(self, max_entries: int = 1024) -> None:
        self._max_entries = max_entries
        self._keys: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def signing_key(self, secret_access_key: str, date: str, region: str, service: str) -> bytes:
        cache_key = (secret_access_key, date, region, service)
        with self._lock:
            key = self._keys.get(cache_key)
            if key is not None:
                self._keys.move_to_end(cache_key)
                return key
        key = derive_signing_key(secret_access_key, date, region, service)
        with self._lock:
            self._keys[cache_key] = key
            if len(self._keys) > self._max_entries:
                self._keys.popitem(last=False)
        return key

    def __len__(self) -> int:
        return len(self._keys)


def _basic(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _check_scope(
    claim: SigV4Claim,
    service: str | None,
    regions: Collection[str] | None,
    amz_date: str,
    name_region: bool = False,
) -> None:
    """Every scope problem at once, in AWS's order (region, service, terminator, date)."""
    problems = []
    if regions is not None and claim.region not in regions:
        problems.append(
            f"Credential should be scoped to a valid region, not '{claim.region}'. "
            if name_region
            else "Credential should be scoped to a valid region. "
        )
    if service is not None and claim.service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if claim.terminator != TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{claim.terminator}'. "
        )
    if claim.date != amz_date[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{claim.date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    if problems:
        raise SignatureDoesNotMatch("".join(problems))


def _check_time(claim: SigV4Claim, now: datetime, max_skew: timedelta) -> None:
    minutes = f"{int(max_skew.total_seconds() // 60)} min."
    if claim.request_time < now - max_skew:
        raise SignatureDoesNotMatch(
            f"Signature expired: {_basic(claim.request_time)} is now earlier than "
            f"{_basic(now - max_skew)} ({_basic(now)} - {minutes})"
        )
    if claim.request_time > now + max_skew:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {_basic(claim.request_time)} is still later than "
            f"{_basic(now + max_skew)} ({_basic(now)} + {minutes})"
        )
    if claim.expires is not None and now > claim.request_time + timedelta(seconds=claim.expires):
        raise RequestExpired("Request has expired.")


def _payload_hash(claim: SigV4Claim, request: HttpRequest) -> str:
    """x-amz-content-sha256 when sent (it must then match the body), else sha256(body)."""
    declared = request.header("x-amz-content-sha256")
    if declared is not None and declared == UNSIGNED_PAYLOAD:
        if not claim.presigned:
            raise SignatureDoesNotMatch(SIGNATURE_MISMATCH)
        return UNSIGNED_PAYLOAD
    actual = request.body_sha256
    if actual is None:
        actual = hashlib.sha256(request.body).hexdigest()
    if declared is not None and declared.lower() != actual:
        raise SignatureDoesNotMatch(SIGNATURE_MISMATCH)
    return declared if declared is not None else actual


def canonical_request_for(claim: SigV4Claim, request: HttpRequest) -> str:
    """The canonical request the client should have signed for ``claim``."""
    return canonical_request(
        request.method,
        request.path,
        request.query_string,
        request.headers,
        claim.signed_headers,
        _payload_hash(claim, request),
        presigned=claim.presigned,
    )


def check_claim(
    claim: SigV4Claim,
    now: datetime,
    *,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    service: str | None = None,
    regions: Collection[str] | None = None,
    name_region: bool = False,
) -> None:
    """What AWS checks of ``claim`` before it looks up the key: time, then scope.

    ``service`` / ``regions``, when given, bind the credential scope (AWS rejects a credential
    scoped to another service or an unknown region); ``name_region``: the region message names
    the region (as IAM's does).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    _check_time(claim, now, max_skew)
    _check_scope(claim, service, regions, claim.amz_date, name_region)


def check_signature(
    claim: SigV4Claim,
    request: HttpRequest,
    secret_access_key: str,
    *,
    key_cache: SigningKeyCache | None = None,
) -> None:
    """Raise unless ``claim.signature`` signs ``request`` with ``secret_access_key``."""
    amz_date = claim.amz_date
    creq = canonical_request_for(claim, request)
    to_sign = string_to_sign(amz_date, claim.scope, creq)
    if key_cache is not None:
        key = key_cache.signing_key(secret_access_key, claim.date, claim.region, claim.service)
    else:
        key = derive_signing_key(secret_access_key, claim.date, claim.region, claim.service)
    expected = signature_hex(key, to_sign)
    if not hmac.compare_digest(expected.encode("ascii"), claim.signature.encode("utf-8")):
        raise SignatureDoesNotMatch(SIGNATURE_MISMATCH)


def verify_sigv4(
    claim: SigV4Claim,
    request: HttpRequest,
    secret_access_key: str,
    now: datetime,
    *,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    key_cache: SigningKeyCache | None = None,
    service: str | None = None,
    regions: Collection[str] | None = None,
    name_region: bool = False,
) -> None:
    """Raise unless ``claim`` is a valid signature of ``request`` by ``secret_access_key``.

    ``check_claim`` then ``check_signature``: the order of AWS's checks is time, scope,
    signature.
    """
    check_claim(
        claim, now, max_skew=max_skew, service=service, regions=regions, name_region=name_region
    )
    check_signature(claim, request, secret_access_key, key_cache=key_cache)


class SigV4Verifier:
    """The checks with a signing-key cache and a fixed policy (skew, service, regions)."""

    def __init__(
        self,
        *,
        max_skew: timedelta = DEFAULT_MAX_SKEW,
        service: str | None = None,
        regions: Iterable[str] | None = None,
        name_region: bool = False,
        cache_size: int = 1024,
    ) -> None:
        self._max_skew = max_skew
        self._service = service
        self._regions = frozenset(regions) if regions is not None else None
        self._name_region = name_region
        self.key_cache = SigningKeyCache(cache_size)

    def check_claim(self, claim: SigV4Claim, now: datetime) -> None:
        check_claim(
            claim,
            now,
            max_skew=self._max_skew,
            service=self._service,
            regions=self._regions,
            name_region=self._name_region,
        )

    def check_signature(
        self, claim: SigV4Claim, request: HttpRequest, secret_access_key: str
    ) -> None:
        check_signature(claim, request, secret_access_key, key_cache=self.key_cache)

    def verify(
        self, claim: SigV4Claim, request: HttpRequest, secret_access_key: str, now: datetime
    ) -> None:
        self.check_claim(claim, now)
        self.check_signature(claim, request, secret_access_key)
