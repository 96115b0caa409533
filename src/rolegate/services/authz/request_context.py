"""The request context of one authorization decision
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).

Keys come from three places: the request's surroundings (time, source IP, TLS, region), the
principal (its tags, its session: token issue time, MFA, source identity) and the operation's own
parameters (tags it sets, the boundary or policy it names). Key names are written as AWS spells
them; the engine compares them without regard to case. Keys whose value would be unknown are left
out, as AWS does (a condition on a missing key then behaves as documented for absent keys).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rolegate.catalog.iam_condition_keys import iam_actions_supporting
from rolegate.domain.caller import Caller
from rolegate.domain.entities import Tag
from rolegate.domain.session import SessionKind
from rolegate.services.context import ContextValues

ContextDict = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class Surroundings:
    """What the request brought besides its parameters."""

    now: datetime
    source_ip: str | None = None
    secure_transport: bool = False
    region: str | None = None


def iso_time(moment: datetime) -> str:
    """``aws:CurrentTime`` / ``aws:TokenIssueTime`` form: ``2026-11-28T01:02:03Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def base_context(caller: Caller, where: Surroundings) -> ContextDict:
    """Global keys present on every request ("AWS global condition context keys")."""
    context: ContextDict = {
        "aws:CurrentTime": iso_time(where.now),
        "aws:EpochTime": str(int(where.now.timestamp())),
        "aws:SecureTransport": "true" if where.secure_transport else "false",
        "aws:PrincipalIsAWSService": "false",
        "aws:ViaAWSService": "false",
    }
    if where.source_ip:
        context["aws:SourceIp"] = where.source_ip
    if where.region:
        context["aws:RequestedRegion"] = where.region
    context.update(session_context(caller, where.now))
    return context


def session_context(caller: Caller, now: datetime) -> ContextDict:
    """Keys of temporary credentials: aws:TokenIssueTime, MFA, aws:SourceIdentity, federation.

    aws:MultiFactorAuthPresent is absent for long-term access keys and "false"/"true" for
    temporary credentials
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html,
    *aws:MultiFactorAuthPresent*).
    """
    session = caller.session
    if session is None:
        return {}
    context: ContextDict = {
        "aws:TokenIssueTime": iso_time(session.issued_at),
        "aws:MultiFactorAuthPresent": "true" if session.mfa_authenticated else "false",
    }
    if session.mfa_authenticated:
        authenticated_at = session.mfa_authenticated_at or session.issued_at
        age = max(0, int((now - authenticated_at).total_seconds()))
        context["aws:MultiFactorAuthAge"] = str(age)
    if session.source_identity is not None:
        context["aws:SourceIdentity"] = session.source_identity
    if session.kind == SessionKind.ROLE and session.federated_provider is not None:
        context["aws:FederatedProvider"] = session.federated_provider
    context.update(session.federated_keys)
    return context


def principal_context(caller: Caller, principal_tags: Iterable[Tag]) -> ContextDict:
    """``aws:PrincipalArn`` and friends, plus ``aws:PrincipalTag/*``.

    For role sessions aws:PrincipalArn is the role's ARN and ``aws:userid`` is
    ``AROA…:session`` ("AWS global condition context keys").
    """
    principal_type = _PRINCIPAL_TYPE.get(caller.principal_type)
    if principal_type is None:  # web identity / SAML callers of AssumeRoleWith*: not IAM's
        return {}
    session = caller.session
    arn = session.role_arn if session is not None and session.role_arn else caller.arn
    context: ContextDict = {
        "aws:PrincipalArn": arn,
        "aws:PrincipalAccount": caller.account_id,
        "aws:PrincipalType": principal_type,
        "aws:userid": caller.user_id,
    }
    if caller.user_name is not None and caller.principal_type == "user":
        context["aws:username"] = caller.user_name
    for tag in principal_tags:
        context[f"aws:PrincipalTag/{tag.key}"] = tag.value
    return context


_PRINCIPAL_TYPE = {
    "user": "User",
    "role_session": "AssumedRole",
    "federated_user": "FederatedUser",
    "root": "Account",
}


def effective_principal_tags(entity_tags: Iterable[Tag], caller: Caller) -> list[Tag]:
    """Session tags override the role's (or user's) tags with the same key, any case
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html, "Session tags ...
    override a role tag with the same key")."""
    session_tags = caller.session.tags if caller.session is not None else ()
    overridden = {key.lower() for key, _ in session_tags}
    tags = [tag for tag in entity_tags if tag.key.lower() not in overridden]
    tags.extend(Tag(key, value) for key, value in session_tags)
    return tags


def resource_tag_context(tags: Iterable[Tag]) -> ContextDict:
    """``aws:ResourceTag/*`` and IAM's older ``iam:ResourceTag/*`` for a role or user."""
    context: ContextDict = {}
    for tag in tags:
        context[f"aws:ResourceTag/{tag.key}"] = tag.value
        context[f"iam:ResourceTag/{tag.key}"] = tag.value
    return context


def parameter_context(params: Mapping[str, Any] | None) -> ContextDict:
    """Keys an operation's parameters supply (service authorization reference for IAM).

    * ``Tags`` (CreateRole, CreateUser, TagRole, TagUser, …): ``aws:RequestTag/KEY`` and
      ``aws:TagKeys``; ``TagKeys`` (UntagRole, UntagUser): ``aws:TagKeys``.
    * ``PermissionsBoundary`` (CreateRole, CreateUser, Put*PermissionsBoundary):
      ``iam:PermissionsBoundary`` (other actions on a role or user carry the target's boundary:
      :func:`target_boundary_context`).
    * ``PolicyArn`` (Attach*/Detach*Policy): ``iam:PolicyARN``.
    """
    if not params:
        return {}
    context: ContextDict = {}
    tags = params.get("Tags")
    if tags:
        keys = []
        for tag in tags:
            context[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
            keys.append(tag["Key"])
        context["aws:TagKeys"] = keys
    tag_keys = params.get("TagKeys")
    if tag_keys:
        context["aws:TagKeys"] = list(tag_keys)
    boundary = params.get("PermissionsBoundary")
    if isinstance(boundary, str):
        context["iam:PermissionsBoundary"] = boundary
    policy_arn = params.get("PolicyArn")
    if isinstance(policy_arn, str):
        context["iam:PolicyARN"] = policy_arn
    return context


# Put{Role,User}PermissionsBoundary are judged by the boundary they set, not by the one they
# replace: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html's
# "CreateOrChangeOnlyWithBoundary" lets a delegated
# administrator "set the permissions boundary for existing users but only using that same policy".
# parameter_context supplies it from the request.
_BOUNDARY_FROM_REQUEST = frozenset(
    {"iam:putrolepermissionsboundary", "iam:putuserpermissionsboundary"}
)


def target_boundary_context(action: str, boundary_arn: str | None) -> ContextDict:
    """``iam:PermissionsBoundary`` of ``action`` on an existing role or user: the ARN of the
    boundary the target has before the change, for every action whose row in the Service
    Authorization Reference lists the key (Put/Delete/Attach/Detach{Role,User}Policy,
    Delete{Role,User}PermissionsBoundary, GetRole, UpdateRole, …;
    ``rolegate.catalog.iam_condition_keys``). Absent when the target has no boundary, so a
    condition on it behaves as for absent keys."""
    lowered = action.lower()
    if (
        boundary_arn is None
        or lowered in _BOUNDARY_FROM_REQUEST
        or lowered not in iam_actions_supporting("iam:PermissionsBoundary")
    ):
        return {}
    return {"iam:PermissionsBoundary": boundary_arn}


def pass_role_context(action: str, params: Mapping[str, Any] | None) -> ContextDict:
    """``iam:PassedToService`` for ``iam:PassRole``
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html):
    a role added to an instance profile is passed to EC2."""
    if action.lower() != "iam:passrole" or not params:
        return {}
    if "InstanceProfileName" in params:
        return {"iam:PassedToService": "ec2.amazonaws.com"}
    return {}


def merged(*parts: ContextValues | None) -> ContextDict:
    """Later parts win (the operation's explicit context over derived keys)."""
    context: ContextDict = {}
    for part in parts:
        if part:
            for key, value in part.items():
                context[key] = value if isinstance(value, str) else list(value)
    return context
