"""AssumeRoleWithWebIdentity
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
"Available keys for AWS web identity federation",
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html "Passing session tags using
AssumeRoleWithWebIdentity").

An unsigned call: the token is the credential. Order: parameters (role ARN, session policies),
the token's form and issuer, the role's account's IAM OIDC provider for that issuer, the token
verified against the issuer's keys (``federation.oidc_verify``), the session tags and source
identity its claims carry, the role, its trust policy for the provider as ``Federated`` principal
(sts:AssumeRoleWithWebIdentity, then sts:TagSession and sts:SetSourceIdentity when used), and
the duration. The credentials come from the shared core (``role_session``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rolegate.domain.caller import Caller
from rolegate.domain.errors import AccessDenied, InvalidIdentityToken
from rolegate.domain.oidc_provider import OidcProvider
from rolegate.federation.oidc_http import tls_context
from rolegate.federation.oidc_jwt import WebIdentity, no_provider_message, read_unverified
from rolegate.federation.oidc_keys import OidcKeyCache
from rolegate.federation.oidc_verify import WebIdentityVerifier
from rolegate.services.authz import PolicyDenied, evaluate_trust
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.sts.credentials import session_policy, session_policy_arns, tag_context
from rolegate.services.sts.role_session import (
    RoleSessionRequest,
    SessionTags,
    issue_role_session,
    packed_size,
    parse_role_arn,
    role_duration,
)

ACTION = "sts:AssumeRoleWithWebIdentity"
NOT_AUTHORIZED = f"Not authorized to perform {ACTION}"
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
MAX_SESSION_TAGS = 50
# unverified: AWS's wording for a tags claim it cannot use
INVALID_TAGS = "The session tags claim in the web identity token is invalid."
# unverified: AWS's wording for a source identity claim it cannot use
INVALID_SOURCE_IDENTITY = "The source identity claim in the web identity token is invalid."
_TAG_KEY = re.compile(r"[\w\s.:/=+\-@]{1,128}")
_TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{0,256}")
_SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}")


def assume_role_with_web_identity(
    ctx: OperationContext, params: Params, verifier: WebIdentityVerifier
) -> Result:
    role_arn = params["RoleArn"]
    session_name = params["RoleSessionName"]
    account_id, role_name = parse_role_arn(role_arn)
    policy = session_policy(params)
    policy_arns = session_policy_arns(params)

    raw = params["WebIdentityToken"]
    token = read_unverified(raw)
    provider = _provider(ctx, account_id, token.issuer)
    identity = verifier.verify(raw, token, provider, ctx.now)
    tags = _session_tags(identity.claims)
    source_identity = _source_identity(identity.claims)
    packed = packed_size(policy, policy_arns, tags)

    role = ctx.tx.roles.get(account_id, role_name)
    if role is None or role.arn != role_arn:
        raise AccessDenied(NOT_AUTHORIZED)
    federated = Caller(account_id="", principal_type="web_identity", arn=provider.arn, user_id="")
    context = trust_context(provider, identity, session_name, tags, source_identity)
    actions = [ACTION]
    if tags.tags:
        actions.append("sts:TagSession")
    if source_identity is not None:
        actions.append("sts:SetSourceIdentity")
    for action in actions:
        try:
            evaluate_trust(ctx, role, action, context, principal_override=federated)
        except PolicyDenied as denied:  # AWS names the operation, not the caller
            message = f"Not authorized to perform {action}"
            raise PolicyDenied(message, denied.encoded_authorization_message) from None

    result = issue_role_session(
        ctx,
        RoleSessionRequest(
            role=role,
            session_name=session_name,
            duration=role_duration(role, params.get("DurationSeconds")),
            policy=policy,
            policy_arns=policy_arns,
            tags=tags,
            source_identity=source_identity,
            federated_provider=provider.arn,
            packed_policy_size=packed,
        ),
    )
    result["SubjectFromWebIdentityToken"] = identity.subject
    result["Provider"] = provider.arn
    result["Audience"] = audience_of(identity)
    return result


def _provider(ctx: OperationContext, account_id: str, issuer: str) -> OidcProvider:
    """The role's account's provider whose URL is the token's ``iss`` without ``https://``."""
    provider = None
    if issuer.startswith("https://"):
        url = issuer[len("https://") :]
        provider = ctx.tx.oidc_providers.get(account_id, url, with_tags=False)
    if provider is None:
        raise InvalidIdentityToken(no_provider_message(issuer))
    return provider


def audience_of(identity: WebIdentity) -> str:
    """The token's ``azp`` when it has one, else the ``aud`` value that matched a client id
    (as AWS documents ``accounts.google.com:aud``)."""
    azp = identity.claims.get("azp")
    return azp if isinstance(azp, str) and azp else identity.audience


def trust_context(
    provider: OidcProvider,
    identity: WebIdentity,
    session_name: str,
    tags: SessionTags,
    source_identity: str | None,
) -> dict[str, Any]:
    """The keys the trust policy sees, named after the provider's URL: ``:aud``
    (:func:`audience_of`), ``:oaud`` (the ``aud`` claim),
    ``:azp``, ``:sub``, ``:amr``; with sts:RoleSessionName, aws:FederatedProvider, the tags
    and the source identity."""
    claims = identity.claims
    prefix = provider.url
    context: dict[str, Any] = {
        f"{prefix}:aud": audience_of(identity),
        f"{prefix}:sub": identity.subject,
        "sts:RoleSessionName": session_name,
        "aws:FederatedProvider": provider.arn,
    }
    for name in ("aud", "azp", "amr"):
        value = claims.get(name)
        key = f"{prefix}:{'oaud' if name == 'aud' else name}"
        if isinstance(value, str):
            context[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            context[key] = list(value)
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    context.update(tag_context(tags.passed, tags.passed_transitive))
    return context


def _session_tags(claims: Mapping[str, Any]) -> SessionTags:
    """Session tags from the ``https://aws.amazon.com/tags`` claim: ``principal_tags`` maps
    each key to a list holding its one value; ``transitive_tag_keys`` lists keys among them."""
    claim = claims.get(TAGS_CLAIM)
    if claim is None:
        return SessionTags()
    if not isinstance(claim, dict):
        raise InvalidIdentityToken(INVALID_TAGS)
    principal_tags = claim.get("principal_tags") or {}
    transitive = claim.get("transitive_tag_keys") or []
    if not isinstance(principal_tags, dict) or not isinstance(transitive, list):
        raise InvalidIdentityToken(INVALID_TAGS)
    tags: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, values in principal_tags.items():
        value = values[0] if isinstance(values, list) and len(values) == 1 else values
        if (
            not isinstance(value, str)
            or not _TAG_KEY.fullmatch(key)
            or not _TAG_VALUE.fullmatch(value)
            or key.lower().startswith("aws:")
            or key.lower() in seen
        ):
            raise InvalidIdentityToken(INVALID_TAGS)
        seen.add(key.lower())
        tags.append((key, value))
    if len(tags) > MAX_SESSION_TAGS:
        raise InvalidIdentityToken(INVALID_TAGS)
    if not all(isinstance(k, str) and k.lower() in seen for k in transitive):
        raise InvalidIdentityToken(INVALID_TAGS)
    passed = tuple(tags)
    keys = tuple(transitive)
    return SessionTags(tags=passed, transitive_keys=keys, passed=passed, passed_transitive=keys)


def _source_identity(claims: Mapping[str, Any]) -> str | None:
    value = claims.get(SOURCE_IDENTITY_CLAIM)
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not _SOURCE_IDENTITY.fullmatch(value)
        or value.lower().startswith("aws:")
    ):
        raise InvalidIdentityToken(INVALID_SOURCE_IDENTITY)
    return value


def default_verifier() -> WebIdentityVerifier:
    """System trust roots, default cache lifetimes (the server builds its own from settings)."""
    return WebIdentityVerifier(OidcKeyCache(tls_context(None)))


def handlers(verifier: WebIdentityVerifier | None = None) -> dict[str, Handler]:
    chosen = verifier or default_verifier()

    def handler(ctx: OperationContext, params: Params) -> Result:
        return assume_role_with_web_identity(ctx, params, chosen)

    return {"AssumeRoleWithWebIdentity": handler}
