"""AssumeRoleWithSAML
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html; AssumeRoleWithSAML
API reference).

An unsigned call: the SAML response is the credential. Order: the ARNs (parameters alone), the
provider and its trust material, the response's signature and conditions
(``federation.saml_response``), the AWS attributes (``saml_claims``), the role pair the
response grants, then the role's trust policy with the provider as ``Federated`` principal and
the ``saml:*`` keys, for sts:AssumeRoleWithSAML (plus sts:TagSession with tags and
sts:SetSourceIdentity with a source identity). Last, the assertion id is recorded: the same
assertion is refused while it is still valid, on every node sharing the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Role
from rolegate.domain.errors import (
    AccessDenied,
    ExpiredIdentityToken,
    InvalidIdentityToken,
    InvalidInput,
    ValidationError,
)
from rolegate.domain.saml_provider import REQUIRED, SamlProvider
from rolegate.federation.saml_response import SamlTrust, VerifiedAssertion, verify_response
from rolegate.services.authz import evaluate_trust
from rolegate.services.context import OperationContext, Params, Result
from rolegate.services.iam import parse_saml_provider_arn
from rolegate.services.sts.credentials import session_policy, session_policy_arns, tag_context
from rolegate.services.sts.role_session import (
    INVALID_ARN,
    RoleSessionRequest,
    SessionTags,
    issue_role_session,
    packed_size,
    parse_role_arn,
    role_duration,
)
from rolegate.services.sts.saml_claims import (
    SamlSessionAttributes,
    name_qualifier,
    role_pairs,
    session_attributes,
    subject_type,
    trust_context,
)

ACTION = "sts:AssumeRoleWithSAML"
# IAM User Guide, "Troubleshoot SAML federation with IAM"
NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithSAML"
NO_PROVIDER = "Specified provider doesn't exist."
# unverified: our wording
PROVIDER_EXPIRED = "The SAML provider's metadata has expired."
REPLAYED = "SAML assertion has already been used"
SESSION_ENDED = "The SAML session has ended (SessionNotOnOrAfter)"
LATER_KEYS = ("saml:namequalifier", "saml:sub", "saml:sub_type")
# Forget expired assertion ids on about one call in this many.
PURGE_EVERY = 64


class AssumeRoleWithSaml:
    """The operation, bound to the extra endpoints this server answers for (``--saml-audience``):
    responses may name them as Recipient and Audience besides AWS's own."""

    def __init__(self, extra_endpoints: frozenset[str] = frozenset()) -> None:
        self.extra_endpoints = extra_endpoints

    def __call__(self, ctx: OperationContext, params: Params) -> Result:
        role_arn = params["RoleArn"]
        provider_arn = params["PrincipalArn"]
        role_account, role_name = parse_role_arn(role_arn)
        try:
            provider_account, provider_name = parse_saml_provider_arn(provider_arn)
        except InvalidInput:
            raise ValidationError(INVALID_ARN) from None
        policy = session_policy(params)
        policy_arns = session_policy_arns(params)

        provider = _provider(ctx, provider_account, provider_name, provider_arn)
        trust = SamlTrust(
            provider.entity_id,
            provider.certificates,
            self.extra_endpoints,
            private_keys=tuple(key.pem for key in provider.private_keys),
            encryption_required=provider.assertion_encryption_mode == REQUIRED,
        )
        assertion = verify_response(params["SAMLAssertion"], trust, ctx.now)
        attributes = session_attributes(assertion)
        if (role_arn, provider_arn) not in role_pairs(assertion):
            raise AccessDenied(NOT_AUTHORIZED)
        tags = SessionTags(
            tags=attributes.tags,
            transitive_keys=attributes.transitive_keys,
            passed=attributes.tags,
            passed_transitive=attributes.transitive_keys,
        )
        packed = packed_size(policy, policy_arns, tags)

        role = ctx.tx.roles.get(role_account, role_name)
        if role is None or role.arn != role_arn:
            raise AccessDenied(NOT_AUTHORIZED)
        # The provider is the principal (no aws:userid: it is not an IAM identity).
        federated = Caller(provider_account, "saml", provider_arn, user_id="")
        context: dict[str, Any] = {
            **trust_context(assertion, provider_account, provider_name),
            **tag_context(attributes.tags, attributes.transitive_keys),
            "sts:RoleSessionName": attributes.session_name,
        }
        if attributes.source_identity is not None:
            context["sts:SourceIdentity"] = attributes.source_identity
        _trusts(ctx, role, ACTION, context, federated)
        if attributes.tags:
            _trusts(ctx, role, "sts:TagSession", context, federated)
        if attributes.source_identity is not None:
            _trusts(ctx, role, "sts:SetSourceIdentity", context, federated)

        requested = role_duration(role, params.get("DurationSeconds"))
        duration = _duration(ctx.now, requested, assertion, attributes)
        _remember(ctx, provider, assertion)
        result = issue_role_session(
            ctx,
            RoleSessionRequest(
                role=role,
                session_name=attributes.session_name,
                duration=duration,
                policy=policy,
                policy_arns=policy_arns,
                tags=tags,
                source_identity=attributes.source_identity,
                federated_provider=provider_arn,
                federated_keys=_later_keys(context),
                packed_policy_size=packed,
            ),
        )
        result.update(
            Subject=assertion.subject,
            SubjectType=subject_type(assertion.subject_format),
            Issuer=assertion.issuer,
            Audience=assertion.recipient,
            NameQualifier=name_qualifier(assertion.issuer, provider_account, provider_name),
        )
        return result


def _later_keys(context: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The SAML keys the session's later requests still see
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html,
    "Cross-service SAML-based AWS STS federation context keys")."""
    return tuple((key, context[key]) for key in LATER_KEYS)


def _provider(ctx: OperationContext, account: str, name: str, arn: str) -> SamlProvider:
    provider = ctx.tx.saml_providers.get(account, name)
    if provider is None or provider.arn != arn:
        raise InvalidIdentityToken(NO_PROVIDER)  # unverified: the error code
    if provider.valid_until is not None and ctx.now >= provider.valid_until:
        raise InvalidIdentityToken(PROVIDER_EXPIRED)
    return provider


def _trusts(
    ctx: OperationContext, role: Role, action: str, context: dict[str, Any], who: Caller
) -> None:
    """The trust policy decides alone (a SAML principal has no identity policies); a denial is
    AWS's AccessDenied without naming the principal."""
    try:
        evaluate_trust(ctx, role, action, context, principal_override=who)
    except AccessDenied:
        raise AccessDenied(NOT_AUTHORIZED) from None


def _duration(
    now: datetime, requested: int, assertion: VerifiedAssertion, attributes: SamlSessionAttributes
) -> int:
    """DurationSeconds (or the default) within the role's maximum, shortened by the
    SessionDuration attribute and by the AuthnStatement's SessionNotOnOrAfter (API reference,
    "Session Duration";
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html)."""
    duration = requested
    if attributes.session_duration is not None:
        duration = min(duration, attributes.session_duration)
    ends = assertion.session_not_on_or_after
    if ends is not None:
        remaining = int((ends - now).total_seconds())
        if remaining <= 0:
            raise ExpiredIdentityToken(SESSION_ENDED)
        duration = min(duration, remaining)
    return duration


def _remember(ctx: OperationContext, provider: SamlProvider, assertion: VerifiedAssertion) -> None:
    if ctx.rng.randrange(0, PURGE_EVERY) == 0:
        ctx.tx.saml_providers.purge_assertions(ctx.now)
    if not ctx.tx.saml_providers.record_assertion(
        provider.arn, assertion.assertion_id, assertion.usable_until
    ):
        raise InvalidIdentityToken(REPLAYED)


def handlers(extra_endpoints: frozenset[str] = frozenset()) -> dict[str, AssumeRoleWithSaml]:
    return {"AssumeRoleWithSAML": AssumeRoleWithSaml(extra_endpoints)}
