"""GetScopedCredentials
(https://docs.aws.amazon.com/STS/latest/APIReference/API_GetScopedCredentials.html): new
temporary credentials for the calling session itself, narrowed by a scope-down policy, shortened,
or both
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getscopedcredentials.html).

The new session keeps every claim of the calling one (ARN, session name, source identity, tags,
session policies, MFA state, the role or user it lives as long as); it gains new keys and, when
``Policy`` is passed, one more scope-down layer. Every layer must allow a request besides the
session's own permissions (``services.authz.authorizer``). Like GetCallerIdentity and
GetSessionToken it needs no permission: the API reference names none, and its credentials can
only do less than the caller's.
"""

from __future__ import annotations

import dataclasses
import json

from rolegate.domain.errors import (
    AccessDenied,
    InsufficientSessionLifetime,
    InvalidSubjectCredentials,
    ValidationError,
)
from rolegate.domain.session import SessionClaims
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.sts.credentials import (
    credentials_to_wire,
    expiry,
    issue_time,
    new_secret,
    packed_policy_size,
    session_policy,
    temporary_access_key_id,
)

MAX_SCOPE_LAYERS = 3  # the ScopedPoliciesCount documentation of the API reference
# unverified: AWS's wording for each refusal below
NOT_TEMPORARY = "GetScopedCredentials can only be called with temporary security credentials."
NOTHING_TO_SCOPE = (
    "1 validation error detected: At least one of Policy or DurationSeconds must be specified."
)
TOO_MANY_LAYERS = (
    f"A maximum of {MAX_SCOPE_LAYERS} scope down policy layers are allowed per session."
)
TOO_LONG = (
    "The requested DurationSeconds is greater than the remaining lifetime of the calling session."
)


def get_scoped_credentials(ctx: OperationContext, params: Params) -> Result:
    caller = ctx.caller
    session = caller.session
    # Temporary credentials only; the root user's own sessions are refused as well (its
    # requests are never evaluated against policies, so a scope-down could not hold).
    if session is None or caller.principal_type == "root":
        raise InvalidSubjectCredentials(NOT_TEMPORARY)
    duration: int | None = params.get("DurationSeconds")
    if params.get("Policy") is None and duration is None:
        raise ValidationError(NOTHING_TO_SCOPE)
    policy = session_policy(params)  # MalformedPolicyDocument, with IAM's text
    layers = session.scope_policies
    if policy is not None:
        if len(layers) >= MAX_SCOPE_LAYERS:
            raise AccessDenied(TOO_MANY_LAYERS)
        layers = (*layers, policy)
    expires = session.expires_at
    if duration is not None:
        expires = expiry(issue_time(ctx.now), duration)
        if expires > session.expires_at:
            raise InsufficientSessionLifetime(TOO_LONG)
    # Everything a session token packs (session policies, scope-down layers, tags) within the
    # allowance: PackedPolicyTooLarge over it.
    packed = packed_policy_size(
        json.dumps([json.loads(text) for text in _policies(session, layers)]),
        session.session_policy_arns,
        session.tags,
    )
    claims = dataclasses.replace(
        session,
        access_key_id=temporary_access_key_id(session.account_id, ctx.rng),
        secret_access_key=new_secret(ctx.rng),
        # aws:TokenIssueTime stays the calling session's: a session revoked by a deny on it
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html)
        # cannot escape the revocation through new credentials
        expires_at=expires,
        scope_policies=layers,
    )
    credentials = credentials_to_wire(
        ctx, claims, min_token_length=params.get("MinimumSessionTokenSize") or 0
    )
    token_size = len(credentials["SessionToken"])
    result: Result = {
        "Credentials": credentials,
        "SessionInfo": {"ScopedSessionId": session.principal_id, "Arn": caller.arn},
        "SessionTokenUtilization": min(100, packed),
        "SessionTokenSize": token_size,
        "ScopedPoliciesCount": len(layers),
    }
    if session.source_identity is not None:
        result["SourceIdentity"] = session.source_identity
    return result


def _policies(session: SessionClaims, layers: tuple[str, ...]) -> list[str]:
    found = [session.session_policy] if session.session_policy is not None else []
    return [*found, *layers]


HANDLERS: dict[str, Handler] = {"GetScopedCredentials": get_scoped_credentials}
