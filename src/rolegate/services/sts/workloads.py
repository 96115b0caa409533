"""AssumeRoleForWorkload: rolegate's own STS operation, through which a launcher obtains the role
session that an AWS service would assume for its workload (docs/decisions.md, "Workload
credentials"; the agent in ``rolegate.agent`` calls it).

AWS's rules, in order:

1. the caller passes the role: ``iam:PassRole`` on the role with ``iam:PassedToService`` (the
   service) and ``iam:AssociatedResourceArn`` (the workload)
   (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html,
   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html);
2. the role's trust policy allows the service principal (``ec2.amazonaws.com`` for an instance
   profile's role, ``ecs-tasks.amazonaws.com`` for a task role, ``pods.eks.amazonaws.com`` for a
   pod identity, which also needs ``sts:TagSession`` for its session tags), decided by
   ``authz.evaluate_trust`` with the service as caller;
3. the session is named as AWS names it (the instance id, the task id, ``eks-CLUSTER-POD-…``)
   and carries the keys AWS sets: ``ec2:SourceInstanceARN`` on every later request of an
   instance's credentials
   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
   the pod identity's session tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rolegate.domain.arn import Arn
from rolegate.domain.caller import Caller
from rolegate.domain.entities import Role
from rolegate.domain.errors import AccessDenied, NoSuchEntity, ValidationError
from rolegate.services.authz import ROOT_CANNOT_ASSUME, evaluate_trust
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.sts.credentials import tag_context
from rolegate.services.sts.role_session import (
    RoleSessionRequest,
    SessionTags,
    issue_role_session,
    parse_role_arn,
    role_duration,
)

EC2 = "ec2.amazonaws.com"
ECS_TASKS = "ecs-tasks.amazonaws.com"
EKS_PODS = "pods.eks.amazonaws.com"
# The workload ARN each service acts for: (ARN service, resource pattern, session name group).
_SOURCE = {
    EC2: ("ec2", re.compile(r"instance/(i-[0-9a-f]{8,17})")),
    ECS_TASKS: ("ecs", re.compile(r"task/(?:[\w-]{1,255}/)?([\w-]{1,64})")),
    EKS_PODS: ("eks", re.compile(r"cluster/([A-Za-z0-9][\w-]{0,99})")),
}
_POD_FIELDS = (
    ("KubernetesNamespace", "kubernetes-namespace"),
    ("KubernetesServiceAccount", "kubernetes-service-account"),
    ("KubernetesPodName", "kubernetes-pod-name"),
    ("KubernetesPodUid", "kubernetes-pod-uid"),
)
_SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]")
# rolegate's own operation: these messages are its own.
ONE_ROLE = "Specify exactly one of RoleArn and InstanceProfileName."
PROFILE_FOR_EC2 = "InstanceProfileName is only valid with Service ec2.amazonaws.com."
POD_FIELDS_REQUIRED = (
    "Service pods.eks.amazonaws.com requires KubernetesNamespace, KubernetesServiceAccount, "
    "KubernetesPodName and KubernetesPodUid."
)


@dataclass(frozen=True, slots=True)
class _Target:
    role: Role
    profile_arn: str | None = None
    profile_id: str | None = None


def assume_role_for_workload(ctx: OperationContext, params: Params) -> Result:
    caller = ctx.caller
    if caller.principal_type == "root":
        raise AccessDenied(ROOT_CANNOT_ASSUME)
    service = params["Service"]
    source_arn = params["SourceArn"]
    session_name, source_account = _source(service, source_arn, caller.account_id)
    tags = _pod_tags(service, source_arn, params)
    if service == EKS_PODS:
        session_name = _eks_session_name(source_arn, params)

    target = _target(ctx, service, source_arn, params)
    role = target.role
    trust_caller = Caller(account_id="", principal_type="service", arn=service, user_id=service)
    context: dict[str, Any] = {
        "aws:PrincipalIsAWSService": "true",
        "aws:PrincipalServiceName": service,
        "sts:RoleSessionName": session_name,
        **tag_context(tags, ()),
    }
    if service != EC2:  # the confused-deputy keys ECS and EKS set when they assume a role
        context["aws:SourceArn"] = source_arn
        context["aws:SourceAccount"] = source_account
    evaluate_trust(ctx, role, "sts:AssumeRole", context, principal_override=trust_caller)
    if tags:
        evaluate_trust(ctx, role, "sts:TagSession", context, principal_override=trust_caller)

    later_keys = (("ec2:SourceInstanceARN", source_arn),) if service == EC2 else ()
    result = issue_role_session(
        ctx,
        RoleSessionRequest(
            role=role,
            session_name=session_name,
            duration=role_duration(role, params.get("DurationSeconds")),
            tags=SessionTags(tags=tags, passed=tags),
            federated_keys=later_keys,
        ),
    )
    result["RoleArn"] = role.arn
    if target.profile_arn is not None:
        result["InstanceProfileArn"] = target.profile_arn
        result["InstanceProfileId"] = target.profile_id
    return result


def _source(service: str, source_arn: str, account_id: str) -> tuple[str, str]:
    """(session name, account) of the workload ARN: an instance of EC2, a task of ECS, a
    cluster of EKS, in the caller's account."""
    arn_service, pattern = _SOURCE[service]
    invalid = ValidationError(f"SourceArn {source_arn} is not a workload ARN of {service}.")
    try:
        arn = Arn.parse(source_arn)
    except ValueError:
        raise invalid from None
    match = pattern.fullmatch(arn.resource)
    if arn.service != arn_service or match is None or arn.account != account_id:
        raise invalid
    return match.group(1), arn.account


def _pod_tags(service: str, source_arn: str, params: Params) -> tuple[tuple[str, str], ...]:
    """The session tags of an EKS pod identity
    (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html)."""
    if service != EKS_PODS:
        return ()
    if any(params.get(member) is None for member, _ in _POD_FIELDS):
        raise ValidationError(POD_FIELDS_REQUIRED)
    cluster = source_arn.rsplit("/", 1)[-1]
    return (
        ("eks-cluster-arn", source_arn),
        ("eks-cluster-name", cluster),
        *((tag, str(params[member])) for member, tag in _POD_FIELDS),
    )


def _eks_session_name(source_arn: str, params: Params) -> str:
    """``eks-CLUSTER-POD-UID``, cut to the 64 characters a session name may have."""
    cluster = source_arn.rsplit("/", 1)[-1]
    raw = f"eks-{cluster}-{params['KubernetesPodName']}-{params['KubernetesPodUid']}"
    return _SESSION_NAME_CHARS.sub("-", raw)[:64]


def _target(ctx: OperationContext, service: str, source_arn: str, params: Params) -> _Target:
    """The role passed, after iam:PassRole on it (AccessDenied comes before NoSuchEntity, as
    for every IAM operation)."""
    role_arn = params.get("RoleArn")
    profile_name = params.get("InstanceProfileName")
    if (role_arn is None) == (profile_name is None):
        raise ValidationError(ONE_ROLE)
    pass_context = {"iam:PassedToService": service, "iam:AssociatedResourceArn": source_arn}
    if profile_name is not None:
        if service != EC2:
            raise ValidationError(PROFILE_FOR_EC2)
        profile = ctx.tx.instance_profiles.get(ctx.caller.account_id, profile_name)
        if profile is None:
            raise NoSuchEntity(f"Instance Profile {profile_name} cannot be found.")
        if not profile.roles:
            # unverified: EC2 reports an instance profile without a role in iam/info
            raise NoSuchEntity(f"Instance Profile {profile_name} has no role.")
        ctx.authorize("iam:PassRole", profile.roles[0].arn, context=pass_context)
        role = ctx.tx.roles.get(ctx.caller.account_id, profile.roles[0].role_name)
        if role is None:  # removed meanwhile
            raise NoSuchEntity(f"Instance Profile {profile_name} has no role.")
        return _Target(role, profile.arn, profile.instance_profile_id)
    assert role_arn is not None
    account_id, role_name = parse_role_arn(role_arn)
    ctx.authorize("iam:PassRole", role_arn, resource_account=account_id, context=pass_context)
    role = ctx.tx.roles.get(account_id, role_name)
    if role is None or role.arn != role_arn:
        raise NoSuchEntity(f"The role with name {role_name} cannot be found.")
    return _Target(role)


HANDLERS: dict[str, Handler] = {"AssumeRoleForWorkload": assume_role_for_workload}
