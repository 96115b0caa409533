"""GetWebIdentityToken: a signed JSON Web Token for the caller, issued by its account's own
OpenID Connect issuer (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_token_claims.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_policies.html).

Authorization: ``sts:GetWebIdentityToken`` on ``*`` with ``sts:IdentityTokenAudience``,
``sts:DurationSeconds``, ``sts:SigningAlgorithm`` and ``sts:SubjectMode`` (plus
``aws:RequestTag/*`` and ``aws:TagKeys`` from ``Tags``); ``sts:TagGetWebIdentityToken`` too when
``Tags`` are passed, and ``sts:SetWebIdentityTokenScope`` with ``sts:IdentityTokenScope`` when
``Scope`` is. Then the account's issuer must be enabled, and a session's token may not outlive the
session.

Claims: ``iss`` (the account's issuer), ``sub`` (the caller's ARN; for a role session the role's),
``aud`` (one string, or the list when several), ``iat``, ``exp``, ``jti``, ``scope`` when asked,
and under ``https://sts.amazonaws.com/``: ``aws_account``, ``source_region``, ``principal_id``,
``principal_tags`` (the caller's tags, session tags over the role's) and ``request_tags``
(``Tags``). rolegate has no organizations and no compute services, so the organization and
source-resource claims of AWS's list never appear.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from rolegate.domain.errors import (
    JwtPayloadSizeExceeded,
    OutboundWebIdentityFederationDisabled,
    SessionDurationEscalation,
    ValidationError,
)
from rolegate.domain.outbound_federation import DEFAULT_TOKEN_SECONDS, SIGNING_ALGORITHMS
from rolegate.federation.outbound_tokens import SigningKeys, sign_token
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam import IssuerBase
from rolegate.services.sts.credentials import session_tags

AWS_NAMESPACE = "https://sts.amazonaws.com/"
# The largest token AssumeRoleWithWebIdentity's WebIdentityToken takes (the sts model): a token
# larger than that could not be used with STS. unverified: AWS's own bound.
MAX_TOKEN_CHARS = 20_000

# unverified: AWS's messages
FEATURE_DISABLED = "Outbound web identity federation is not enabled for this account."
TOKEN_TOO_LARGE = (
    "The requested token payload size exceeds the maximum allowed size. Reduce the number of "
    "request tags."
)
ESCALATION = (
    "The requested token duration would extend the session beyond its original expiration time."
)
BAD_ALGORITHM = (
    "1 validation error detected: Value '{value}' at 'signingAlgorithm' failed to satisfy "
    "constraint: Member must satisfy enum value set: [RS256, ES384]"
)
NO_ORIGIN_IDENTITY = (
    "The calling session has no aws:OriginIdentity/Subject in its trusted identity propagation "
    "context."
)
SCOPE_NEEDS_ORIGIN = (
    "Scope can be specified only when SubjectMode is OriginIdentity and exactly one audience "
    "is requested."
)
REPEATED_SCOPE = "Scope values must not repeat."


def _check_request(params: Params) -> tuple[str, list[str], int, str, str | None]:
    """The parameters the model cannot check, with AWS's answers."""
    algorithm = params["SigningAlgorithm"]
    if algorithm not in SIGNING_ALGORITHMS:
        raise ValidationError(BAD_ALGORITHM.format(value=algorithm))
    audiences = list(params["Audience"])
    duration = int(params.get("DurationSeconds") or DEFAULT_TOKEN_SECONDS)
    mode = params.get("SubjectMode") or "AWSIdentity"
    scope = params.get("Scope")
    if scope is not None:
        if mode != "OriginIdentity" or len(audiences) != 1:
            raise ValidationError(SCOPE_NEEDS_ORIGIN)
        values = scope.split(" ")
        if len(set(values)) != len(values):
            raise ValidationError(REPEATED_SCOPE)
    return algorithm, audiences, duration, mode, scope


def _authorize(
    ctx: OperationContext,
    params: Params,
    algorithm: str,
    audiences: list[str],
    duration: int,
    mode: str,
    scope: str | None,
) -> None:
    context: dict[str, Any] = {
        "sts:IdentityTokenAudience": audiences,
        "sts:DurationSeconds": str(duration),
        "sts:SigningAlgorithm": algorithm,
        "sts:SubjectMode": mode,
    }
    ctx.authorize("sts:GetWebIdentityToken", "*", context=context)
    if params.get("Tags"):
        ctx.authorize("sts:TagGetWebIdentityToken", "*")
    if scope is not None:
        ctx.authorize(
            "sts:SetWebIdentityTokenScope",
            "*",
            context={**context, "sts:IdentityTokenScope": scope.split(" ")},
        )


def _principal_arn(ctx: OperationContext) -> str:
    """The ARN ``principal_id`` (and, for AWSIdentity, ``sub``) carries: a role session's role."""
    session = ctx.caller.session
    if session is not None and session.role_arn:
        return session.role_arn
    return ctx.caller.arn


def handler(base: IssuerBase, keys: SigningKeys) -> Handler:
    def get_web_identity_token(ctx: OperationContext, params: Params) -> Result:
        algorithm, audiences, duration, mode, scope = _check_request(params)
        tags = session_tags(params)
        _authorize(ctx, params, algorithm, audiences, duration, mode, scope)
        if mode == "OriginIdentity":
            # rolegate's sessions carry no trusted identity propagation context
            raise ValidationError(NO_ORIGIN_IDENTITY)
        repo = ctx.tx.outbound_federation
        state = repo.signing_state(ctx.account_id, algorithm)
        if state is None or not state.issuer.enabled or state.key_id is None:
            raise OutboundWebIdentityFederationDisabled(FEATURE_DISABLED)
        issued = int(ctx.now.timestamp())
        expires = datetime.fromtimestamp(issued + duration, UTC)
        session = ctx.caller.session
        if session is not None and expires > session.expires_at:
            raise SessionDurationEscalation(ESCALATION)
        key = keys.get(state.key_id)
        if key is None:
            assert state.private_sealed is not None
            private_der = repo.open_private_key(state.key_id, state.private_sealed)
            key = keys.load(state.key_id, algorithm, private_der)
        principal = _principal_arn(ctx)
        namespaced: dict[str, Any] = {
            "aws_account": ctx.account_id,
            "source_region": ctx.region,
            "principal_id": principal,
        }
        principal_tags = ctx.authorizer.principal_tags()
        if principal_tags:
            namespaced["principal_tags"] = {tag.key: tag.value for tag in principal_tags}
        if tags:
            namespaced["request_tags"] = dict(tags)
        claims: dict[str, Any] = {
            "iss": base.issuer(state.issuer.issuer_id),
            "sub": principal,
            "aud": audiences[0] if len(audiences) == 1 else audiences,
            "iat": issued,
            "exp": issued + duration,
            "jti": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
            AWS_NAMESPACE: namespaced,
        }
        token = sign_token(key, state.key_id, algorithm, claims)
        if len(token) > MAX_TOKEN_CHARS:
            raise JwtPayloadSizeExceeded(TOKEN_TOO_LARGE)
        return {
            "WebIdentityToken": token,
            "Expiration": expires,
        }

    return get_web_identity_token


def handlers(base: IssuerBase, keys: SigningKeys | None = None) -> dict[str, Handler]:
    return {"GetWebIdentityToken": handler(base, keys or SigningKeys())}
