"""AssumeRole (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-api.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html).

Order of the checks: the role ARN (a malformed one is refused before anything else, even for the
root user, who may assume no role), session policies and tags (parameters alone), MFA, then the
role's trust policy with the caller's identity policies (``authz.evaluate_trust``) for
sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity, then the duration against the role.
A role the caller may not assume and a role that does not exist are both AccessDenied, so that
AssumeRole never reveals which roles exist.
"""

from __future__ import annotations

from typing import Any

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Role
from rolegate.domain.errors import AccessDenied, InvalidParameterValue, ValidationError
from rolegate.services.authz import ROOT_CANNOT_ASSUME, denial_message, evaluate_trust
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam import MfaCheck, verify_mfa
from rolegate.services.sts.credentials import (
    session_policy,
    session_policy_arns,
    session_tags,
    tag_context,
)
from rolegate.services.sts.role_session import (
    DEFAULT_DURATION,
    RoleSessionRequest,
    SessionTags,
    issue_role_session,
    packed_size,
    parse_role_arn,
    role_duration,
)

CHAINED_MAX_DURATION = 3600
EXCEEDS_CHAIN = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
    "chaining."
)


def assume_role(ctx: OperationContext, params: Params) -> Result:
    caller = ctx.caller
    role_arn = params["RoleArn"]
    session_name = params["RoleSessionName"]
    account_id, role_name = parse_role_arn(role_arn)  # a malformed ARN is refused before all else
    if caller.principal_type == "root" and not caller.implicit:
        raise AccessDenied(ROOT_CANNOT_ASSUME)
    if caller.principal_type == "federated_user":
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html:
        # federated users call no STS operation but
        # GetCallerIdentity (unverified: AWS's wording)
        raise AccessDenied(denial_message(caller, "sts:AssumeRole", role_arn, ""))
    policy = session_policy(params)
    policy_arns = session_policy_arns(params)
    tags = _session_tags(caller, params)
    source_identity = _source_identity(caller, params.get("SourceIdentity"), role_arn)
    packed = packed_size(policy, policy_arns, tags)
    mfa = verify_mfa(ctx, params.get("SerialNumber"), params.get("TokenCode"))

    role = ctx.tx.roles.get(account_id, role_name)
    if role is None or role.arn != role_arn:
        raise AccessDenied(denial_message(caller, "sts:AssumeRole", role_arn, ""))
    context = _trust_context(params, session_name, tags, source_identity, mfa)
    evaluate_trust(ctx, role, "sts:AssumeRole", context)
    if tags.tags:
        evaluate_trust(ctx, role, "sts:TagSession", context)
    if source_identity is not None:
        evaluate_trust(ctx, role, "sts:SetSourceIdentity", context)

    duration = _duration(caller, role, params.get("DurationSeconds"))
    session = caller.session
    return issue_role_session(
        ctx,
        RoleSessionRequest(
            role=role,
            session_name=session_name,
            duration=duration,
            policy=policy,
            policy_arns=policy_arns,
            tags=tags,
            source_identity=source_identity,
            source_user_arn=caller.arn,
            chain_depth=0 if session is None else session.chain_depth + 1,
            mfa_authenticated=mfa.authenticated,
            mfa_authenticated_at=mfa.authenticated_at,
            packed_policy_size=packed,
        ),
    )


def _session_tags(caller: Caller, params: Params) -> SessionTags:
    """Passed tags plus the calling session's transitive tags
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html, "Chaining
    roles with session tags"): an inherited transitive tag cannot be set again."""
    passed = session_tags(params)
    passed_transitive = tuple(params.get("TransitiveTagKeys") or ())
    passed_keys = {key.lower() for key, _ in passed}
    for key in passed_transitive:
        if key.lower() not in passed_keys:
            # unverified: AWS's wording for a transitive key that is not a passed tag
            raise InvalidParameterValue(
                "The specified transitive tag key must be included in the requested tags."
            )
    inherited: tuple[tuple[str, str], ...] = ()
    inherited_keys: tuple[str, ...] = ()
    session = caller.session
    if session is not None and session.transitive_tag_keys:
        inherited_keys = session.transitive_tag_keys
        folded = {key.lower() for key in inherited_keys}
        inherited = tuple((k, v) for k, v in session.tags if k.lower() in folded)
        if passed_keys & folded:
            # unverified: AWS refuses to override an inherited transitive tag; wording unknown
            raise InvalidParameterValue(
                "One or more of the specified session tag keys conflict with the transitive "
                "tag keys of the calling session."
            )
    return SessionTags(
        tags=inherited + passed,
        transitive_keys=inherited_keys + passed_transitive,
        passed=passed,
        passed_transitive=passed_transitive,
    )


def _source_identity(caller: Caller, requested: str | None, role_arn: str) -> str | None:
    """Set once, then carried unchanged through role chaining
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html):
    a different value from a session that has one is denied."""
    inherited = caller.session.source_identity if caller.session is not None else None
    if requested is not None and requested.lower().startswith("aws:"):
        # unverified: AWS's wording for the reserved prefix
        raise ValidationError("SourceIdentity cannot begin with the reserved prefix 'aws:'")
    if inherited is not None and requested is not None and requested != inherited:
        raise AccessDenied(denial_message(caller, "sts:SetSourceIdentity", role_arn, ""))
    return inherited if inherited is not None else requested


def _trust_context(
    params: Params,
    session_name: str,
    tags: SessionTags,
    source_identity: str | None,
    mfa: MfaCheck,
) -> dict[str, Any]:
    context: dict[str, Any] = {"sts:RoleSessionName": session_name}
    if params.get("ExternalId") is not None:
        context["sts:ExternalId"] = params["ExternalId"]
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    context.update(tag_context(tags.passed, tags.passed_transitive))  # what this call passes
    context.update(mfa.context())
    return context


def _duration(caller: Caller, role: Role, requested: int | None) -> int:
    """900 s up to the role's MaxSessionDuration; one hour at most when chaining
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html, "Role
    chaining"). Any temporary credentials as caller count, a user's GetSessionToken credentials
    included: AWS answers those with the chaining limit too, as tools that assume roles with MFA
    session tokens have recorded (e.g. aws-vault's and aws-runas's issues)."""
    if caller.session is not None:
        if requested is not None and requested > CHAINED_MAX_DURATION:
            raise ValidationError(EXCEEDS_CHAIN)
        return min(requested or DEFAULT_DURATION, role.max_session_duration, CHAINED_MAX_DURATION)
    return role_duration(role, requested)


HANDLERS: dict[str, Handler] = {"AssumeRole": assume_role}
