"""What every STS operation that hands out temporary credentials shares
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html):
new ``ASIA…`` keys, the sealed session token, durations, session policies and session tags.

Access key ids of temporary credentials carry their account the way AWS's do (the account id sits
in bits 7..46 of the base32-decoded key after the prefix), so GetAccessKeyInfo answers for them
without any stored state.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rolegate.domain.errors import (
    AccessDenied,
    InvalidParameterValue,
    PackedPolicyTooLarge,
    ValidationError,
)
from rolegate.domain.ids import IdPrefix, Rng
from rolegate.domain.session import SessionClaims
from rolegate.policy import PolicyKind, check_session_policy_size, validate_policy
from rolegate.services.context import OperationContext, Params

MIN_DURATION = 900  # the shortest session any STS operation issues, in seconds
MAX_ROLE_DURATION = 43_200  # the longest a role's MaxSessionDuration may be (12 hours)
# GetSessionToken and GetFederationToken: 12 hours by default; the root user's at most one hour
# (a longer request is cut to one hour, not refused).
DEFAULT_TOKEN_DURATION = 43_200
ROOT_MAX_DURATION = 3_600
MAX_POLICY_ARNS = 10
# The packed (compressed) session policies and tags may use this many bytes; AWS does not publish
# its limit, only the percentage
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html). Chosen so that a
# 2,048-character session
# policy fits and 50 tags of maximal size do not.
PACKED_LIMIT_BYTES = 2048
_ACCOUNT_MASK = 0x7FFF_FFFF_FF80


# --- access key ids ----------------------------------------------------------------------------
def temporary_access_key_id(account_id: str, rng: Rng) -> str:
    """``ASIA`` + 16 base32 characters with ``account_id`` in bits 7..46 of the first 6 bytes."""
    bits = rng.getrandbits(40)  # one draw: 1 bit above the account, 7 below it, 32 after
    high = (bits >> 39 << 47) | (int(account_id) << 7) | (bits >> 32 & 0x7F)
    raw = high.to_bytes(6, "big") + (bits & 0xFFFF_FFFF).to_bytes(4, "big")
    return IdPrefix.TEMPORARY_ACCESS_KEY + base64.b32encode(raw).decode("ascii")


def account_of_access_key(access_key_id: str) -> str | None:
    """The account an AWS-format access key id names, or None if it is not base32."""
    try:
        raw = base64.b32decode(access_key_id[4:20])
    except (ValueError, TypeError):
        return None
    return f"{(int.from_bytes(raw[:6], 'big') & _ACCOUNT_MASK) >> 7:012d}"


# --- durations -----------------------------------------------------------------------------------
def expiry(issued_at: datetime, duration_seconds: int) -> datetime:
    """Expiration as AWS states it, to the second."""
    return (issued_at + timedelta(seconds=duration_seconds)).replace(microsecond=0)


def issue_time(now: datetime) -> datetime:
    """aws:TokenIssueTime, kept to the millisecond (the token's precision)."""
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# --- callers with long-term credentials ----------------------------------------------------------
def require_long_term(ctx: OperationContext, message: str) -> None:
    """GetSessionToken and GetFederationToken need long-term credentials of an IAM user or the
    root user (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html,
    "Comparing the AWS STS API operations")."""
    if ctx.caller.session is not None or ctx.caller.principal_type not in ("user", "root"):
        raise AccessDenied(message)


def long_term_session(ctx: OperationContext, params: Params, **claims: Any) -> SessionClaims:
    """The claims of a GetSessionToken or GetFederationToken session: new keys, issued now, for
    ``DurationSeconds`` (12 hours by default; the root user's at most one hour, a longer request
    cut, not refused), ending with the calling IAM user (``server.authn``; the root user's
    account outlives its sessions). ``claims``: the rest, by operation."""
    caller = ctx.caller
    duration = params.get("DurationSeconds") or DEFAULT_TOKEN_DURATION
    if caller.principal_type == "root":
        duration = min(duration, ROOT_MAX_DURATION)
    issued = issue_time(ctx.now)
    return SessionClaims(
        account_id=caller.account_id,
        access_key_id=temporary_access_key_id(caller.account_id, ctx.rng),
        secret_access_key=new_secret(ctx.rng),
        issued_at=issued,
        expires_at=expiry(issued, duration),
        source_user_arn=caller.arn,
        source_user_id=caller.user_id if caller.principal_type == "user" else None,
        **claims,
    )


# --- sealing -------------------------------------------------------------------------------------
def new_secret(rng: Rng) -> str:
    """40 characters of the base64 alphabet, drawn with one call to the generator (240 bits)."""
    number = rng.getrandbits(240)
    return base64.b64encode(number.to_bytes(30, "big")).decode("ascii")


def credentials_to_wire(
    ctx: OperationContext, claims: SessionClaims, *, min_token_length: int = 0
) -> dict[str, Any]:
    """The ``Credentials`` shape, with the claims sealed into the session token (padded to
    ``min_token_length`` characters when shorter)."""
    if ctx.session_tokens is None:
        raise RuntimeError("the server was built without a session-token key ring")
    return {
        "AccessKeyId": claims.access_key_id,
        "SecretAccessKey": claims.secret_access_key,
        "SessionToken": ctx.session_tokens.seal(claims, min_length=min_token_length),
        "Expiration": claims.expires_at,
    }


# --- session policies ----------------------------------------------------------------------------
def session_policy(params: Mapping[str, Any]) -> str | None:
    """The inline session policy ``Policy``, checked as IAM checks any policy grammar."""
    document: str | None = params.get("Policy")
    if document is None:
        return None
    check_session_policy_size(document)
    validate_policy(document, PolicyKind.SESSION)  # MalformedPolicyDocument with AWS's text
    return document


def session_policy_arns(params: Mapping[str, Any]) -> tuple[str, ...]:
    """``PolicyArns``: at most 10 managed policy ARNs
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html)."""
    descriptors: Sequence[Mapping[str, Any]] = params.get("PolicyArns") or ()
    if len(descriptors) > MAX_POLICY_ARNS:
        # unverified: AWS's wording for more than 10 PolicyArns
        raise ValidationError(
            "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_POLICY_ARNS}"
        )
    arns = []
    for descriptor in descriptors:
        arn = descriptor.get("arn")
        if not isinstance(arn, str) or not arn.startswith("arn:") or ":policy/" not in arn:
            # unverified: AWS's wording for a PolicyArns member that is not a policy ARN
            raise InvalidParameterValue(f"Invalid policy ARN: {arn}")
        arns.append(arn)
    return tuple(arns)


# --- session tags --------------------------------------------------------------------------------
def session_tags(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """``Tags``: key case-insensitively unique
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html); shape limits are the
    wire's."""
    tags = tuple((str(t["Key"]), str(t["Value"])) for t in params.get("Tags") or ())
    seen: set[str] = set()
    for key, _ in tags:
        if key.lower() in seen:
            # unverified for STS (IAM's InvalidInput text)
            raise InvalidParameterValue(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(key.lower())
    return tags


def tag_context(tags: Sequence[tuple[str, str]], transitive: Sequence[str]) -> dict[str, Any]:
    """aws:RequestTag/*, aws:TagKeys and sts:TransitiveTagKeys for the trust evaluation."""
    context: dict[str, Any] = {}
    if tags:
        for key, value in tags:
            context[f"aws:RequestTag/{key}"] = value
        context["aws:TagKeys"] = [key for key, _ in tags]
    if transitive:
        context["sts:TransitiveTagKeys"] = list(transitive)
    return context


# --- packed size ---------------------------------------------------------------------------------
def packed_policy_size(
    policy: str | None, policy_arns: Sequence[str], tags: Sequence[tuple[str, str]]
) -> int:
    """Percentage of the packed-size allowance that session policies and tags use.

    PackedPolicyTooLarge, with AWS's message, when it is over 100.
    """
    parts: list[Any] = [_minified(policy) if policy else "", list(policy_arns), list(tags)]
    packed = zlib.compress(json.dumps(parts, separators=(",", ":")).encode("utf-8"), 9)
    percent = math.ceil(len(packed) * 100 / PACKED_LIMIT_BYTES)
    if percent > 100:
        raise PackedPolicyTooLarge(
            f"Packed policy consumes {percent}% of allotted space, please use smaller policy."
        )
    return percent


def _minified(policy: str) -> str:
    try:
        return json.dumps(json.loads(policy), separators=(",", ":"))
    except ValueError:
        return policy
