"""The one place that turns an authorized role assumption into credentials.

AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML each check their own caller and
trust; then they describe the new session in a :class:`RoleSessionRequest` and call
:func:`issue_role_session`, which builds the sealed session, records the role's use and returns
the fields their responses share (``Credentials``, ``AssumedRoleUser``, ``PackedPolicySize``,
``SourceIdentity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.arn import Arn, assumed_role_arn
from rolegate.domain.entities import Role
from rolegate.domain.errors import ValidationError
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.authz import record_role_use
from rolegate.services.context import OperationContext, Result
from rolegate.services.sts.credentials import (
    credentials_to_wire,
    expiry,
    issue_time,
    new_secret,
    packed_policy_size,
    temporary_access_key_id,
)

DEFAULT_DURATION = 3600
INVALID_ARN = "Request ARN is invalid"
EXCEEDS_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


@dataclass(frozen=True, slots=True)
class SessionTags:
    """The new session's tags: inherited transitive tags first, then the ones passed now."""

    tags: tuple[tuple[str, str], ...] = ()
    transitive_keys: tuple[str, ...] = ()
    passed: tuple[tuple[str, str], ...] = ()
    passed_transitive: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleSessionRequest:
    """Everything a new role session is made of, once trust and parameters are checked."""

    role: Role
    session_name: str
    duration: int
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: SessionTags = SessionTags()
    source_identity: str | None = None
    federated_provider: str | None = None  # OIDC / SAML provider ARN (aws:FederatedProvider)
    federated_keys: tuple[tuple[str, str], ...] = ()  # SAML keys later requests still see
    source_user_arn: str | None = None  # the IAM caller behind AssumeRole; None when federated
    chain_depth: int = 0
    mfa_authenticated: bool = False
    mfa_authenticated_at: datetime | None = None
    packed_policy_size: int | None = None  # from :func:`packed_size`, computed before trust


def parse_role_arn(text: str) -> tuple[str, str]:
    """(account, role name) of ``arn:aws:iam::ACCOUNT:role/PATH/NAME``."""
    try:
        arn = Arn.parse(text)
    except ValueError:  # not an ARN at all: STS names the text
        raise ValidationError(f"{text} is invalid") from None
    if (
        arn.service != "iam"
        or arn.region
        or not (len(arn.account) == 12 and arn.account.isdigit())
        or not arn.resource.startswith("role/")
    ):
        raise ValidationError(INVALID_ARN)
    name = arn.resource.rsplit("/", 1)[-1]
    if not name:
        raise ValidationError(INVALID_ARN)
    return arn.account, name


def packed_size(policy: str | None, policy_arns: tuple[str, ...], tags: SessionTags) -> int | None:
    """PackedPolicySize when the call passes any session policy or tag, else None (AWS leaves
    the field out). Raises PackedPolicyTooLarge."""
    if policy is None and not policy_arns and not tags.passed:
        return None
    return packed_policy_size(policy, policy_arns, tags.tags)


def role_duration(role: Role, requested: int | None) -> int:
    """900 s (the wire's minimum) up to the role's MaxSessionDuration; one hour by default, cut
    to the role's maximum (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html,
    "maximum session duration")."""
    if requested is not None and requested > role.max_session_duration:
        raise ValidationError(EXCEEDS_MAX)
    return requested or min(DEFAULT_DURATION, role.max_session_duration)


def issue_role_session(ctx: OperationContext, request: RoleSessionRequest) -> Result:
    """Seal the session, record the role's use and return the response fields shared by every
    AssumeRole* operation."""
    claims = session_claims(ctx, request)
    record_role_use(ctx.tx, request.role, ctx.now, ctx.region)
    result: Result = {
        "Credentials": credentials_to_wire(ctx, claims),
        "AssumedRoleUser": {"AssumedRoleId": claims.principal_id, "Arn": claims.principal_arn},
    }
    if request.packed_policy_size is not None:
        result["PackedPolicySize"] = request.packed_policy_size
    if request.source_identity is not None:
        result["SourceIdentity"] = request.source_identity
    return result


def session_claims(ctx: OperationContext, request: RoleSessionRequest) -> SessionClaims:
    role = request.role
    issued = issue_time(ctx.now)
    return SessionClaims(
        kind=SessionKind.ROLE,
        account_id=role.account_id,
        access_key_id=temporary_access_key_id(role.account_id, ctx.rng),
        secret_access_key=new_secret(ctx.rng),
        issued_at=issued,
        expires_at=expiry(issued, request.duration),
        principal_arn=assumed_role_arn(role.account_id, role.role_name, request.session_name),
        principal_id=f"{role.role_id}:{request.session_name}",
        role_arn=role.arn,
        role_id=role.role_id,
        session_name=request.session_name,
        source_user_arn=request.source_user_arn,
        session_policy=request.policy,
        session_policy_arns=request.policy_arns,
        tags=request.tags.tags,
        transitive_tag_keys=request.tags.transitive_keys,
        source_identity=request.source_identity,
        mfa_authenticated=request.mfa_authenticated,
        mfa_authenticated_at=request.mfa_authenticated_at,
        chain_depth=request.chain_depth,
        federated_provider=request.federated_provider,
        federated_keys=request.federated_keys,
    )
