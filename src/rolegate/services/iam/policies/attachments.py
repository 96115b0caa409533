"""Attaching managed policies to roles, users and groups: Attach/Detach/ListAttached{Role,User,
Group}Policies, Put/DeleteRolePermissionsBoundary (the user ones
are in ``iam.users``)
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).

A principal holds at most 10 attached managed policies by default
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "Managed
policies attached to an IAM role/user/group": 10, adjustable to 20; see
``rolegate.catalog.quotas``). Attaching a policy twice is no error. The principal's row is locked
before counting, so concurrent attachments cannot pass the quota together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rolegate.catalog.quotas import ATTACHED_PER_GROUP, ATTACHED_PER_ROLE, ATTACHED_PER_USER
from rolegate.domain.errors import NoSuchEntity, ValidationError
from rolegate.domain.managed_policy import ManagedPolicy, OwnerKind, split_policy_arn
from rolegate.services._pagination import DEFAULT_MAX_ITEMS
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._arns import invalid_arn
from rolegate.services.iam._quotas import check_quota
from rolegate.services.iam.groups import load_group
from rolegate.services.iam.policies.boundaries import (
    attachable_policy,
    record_boundary,
    resolve_boundary,
)
from rolegate.services.iam.protected_roles import ensure_modifiable
from rolegate.services.iam.roles import load_role
from rolegate.services.iam.users import load_user
from rolegate.store import InvalidMarker, decode_marker, encode_marker

_QUOTAS = {
    OwnerKind.ROLE: ATTACHED_PER_ROLE,
    OwnerKind.USER: ATTACHED_PER_USER,
    OwnerKind.GROUP: ATTACHED_PER_GROUP,
}


@dataclass(frozen=True, slots=True)
class Principal:
    """What the attachment operations need of a role, user or group."""

    kind: OwnerKind
    owner_id: str


def _role(ctx: OperationContext, params: Params, action: str) -> Principal:
    return Principal(OwnerKind.ROLE, load_role(ctx, params["RoleName"], action).role_id)


def _modifiable_role(ctx: OperationContext, params: Params, action: str) -> Principal:
    """A role whose policies may change: service-linked roles are refused (UnmodifiableEntity)."""
    role = load_role(ctx, params["RoleName"], action)
    ensure_modifiable(role)
    return Principal(OwnerKind.ROLE, role.role_id)


def _user(ctx: OperationContext, params: Params, action: str) -> Principal:
    return Principal(OwnerKind.USER, load_user(ctx, params["UserName"], action).user_id)


def _group(ctx: OperationContext, params: Params, action: str) -> Principal:
    return Principal(OwnerKind.GROUP, load_group(ctx, params["GroupName"], action).group_id)


def attach_policy(ctx: OperationContext, principal: Principal, arn: str) -> None:
    missing = NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    policy = attachable_policy(ctx, arn, missing)
    attachments = ctx.tx.policy_attachments
    attachments.lock_owner(principal.kind, principal.owner_id)
    current = attachments.attached(principal.kind, principal.owner_id)
    if any(p.policy_id == policy.policy_id for p in current):
        return
    check_quota(ctx, _QUOTAS[principal.kind], len(current))
    attachments.attach(ctx.account_id, principal.kind, principal.owner_id, policy.policy_id)


def detach_policy(ctx: OperationContext, principal: Principal, arn: str) -> None:
    if split_policy_arn(arn) is None:
        raise invalid_arn(arn)
    policy = ctx.tx.managed_policies.get_by_arn(arn)
    detached = policy is not None and ctx.tx.policy_attachments.detach(
        principal.kind, principal.owner_id, policy.policy_id
    )
    if not detached:
        raise NoSuchEntity(f"Policy {arn} was not found.")


def list_attached(ctx: OperationContext, principal: Principal, params: Params) -> Result:
    """AttachedPolicies by (case-folded name, account), filtered by the policies' PathPrefix.
    The few attachments of one principal are read whole; the marker names the last one shown."""
    prefix = params.get("PathPrefix") or "/"
    policies = [
        p
        for p in ctx.tx.policy_attachments.attached(principal.kind, principal.owner_id)
        if p.path.startswith(prefix)
    ]
    listing = f"attached-{principal.kind.value}"
    marker = params.get("Marker")
    if marker is not None:
        try:
            after = decode_marker(listing, marker)
        except InvalidMarker:
            raise ValidationError("Invalid Marker.") from None
        policies = [p for p in policies if _sort_key(p) > after]
    max_items = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    page = policies[:max_items]
    out: Result = {
        "AttachedPolicies": [{"PolicyName": p.policy_name, "PolicyArn": p.arn} for p in page],
        "IsTruncated": len(policies) > max_items,
    }
    if out["IsTruncated"]:
        out["Marker"] = encode_marker(listing, _sort_key(page[-1]))
    return out


def _sort_key(policy: ManagedPolicy) -> str:
    return f"{policy.policy_name.lower()}\n{policy.account_id}"


def attach_role_policy(ctx: OperationContext, params: Params) -> Result:
    attach_policy(ctx, _modifiable_role(ctx, params, "iam:AttachRolePolicy"), params["PolicyArn"])
    return {}


def detach_role_policy(ctx: OperationContext, params: Params) -> Result:
    detach_policy(ctx, _modifiable_role(ctx, params, "iam:DetachRolePolicy"), params["PolicyArn"])
    return {}


def list_attached_role_policies(ctx: OperationContext, params: Params) -> Result:
    return list_attached(ctx, _role(ctx, params, "iam:ListAttachedRolePolicies"), params)


def put_role_permissions_boundary(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:PutRolePermissionsBoundary")
    ensure_modifiable(role)
    policy = resolve_boundary(ctx, params["PermissionsBoundary"])
    ctx.tx.roles.update(replace(role, permissions_boundary_arn=policy.arn))
    record_boundary(ctx, OwnerKind.ROLE, role.role_id, policy)
    return {}


def delete_role_permissions_boundary(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:DeleteRolePermissionsBoundary")
    ensure_modifiable(role)
    ctx.tx.roles.update(replace(role, permissions_boundary_arn=None))
    record_boundary(ctx, OwnerKind.ROLE, role.role_id, None)
    return {}


def attach_user_policy(ctx: OperationContext, params: Params) -> Result:
    attach_policy(ctx, _user(ctx, params, "iam:AttachUserPolicy"), params["PolicyArn"])
    return {}


def detach_user_policy(ctx: OperationContext, params: Params) -> Result:
    detach_policy(ctx, _user(ctx, params, "iam:DetachUserPolicy"), params["PolicyArn"])
    return {}


def list_attached_user_policies(ctx: OperationContext, params: Params) -> Result:
    return list_attached(ctx, _user(ctx, params, "iam:ListAttachedUserPolicies"), params)


def attach_group_policy(ctx: OperationContext, params: Params) -> Result:
    attach_policy(ctx, _group(ctx, params, "iam:AttachGroupPolicy"), params["PolicyArn"])
    return {}


def detach_group_policy(ctx: OperationContext, params: Params) -> Result:
    detach_policy(ctx, _group(ctx, params, "iam:DetachGroupPolicy"), params["PolicyArn"])
    return {}


def list_attached_group_policies(ctx: OperationContext, params: Params) -> Result:
    return list_attached(ctx, _group(ctx, params, "iam:ListAttachedGroupPolicies"), params)


HANDLERS: dict[str, Handler] = {
    "AttachRolePolicy": attach_role_policy,
    "DetachRolePolicy": detach_role_policy,
    "ListAttachedRolePolicies": list_attached_role_policies,
    "PutRolePermissionsBoundary": put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary": delete_role_permissions_boundary,
    "AttachUserPolicy": attach_user_policy,
    "DetachUserPolicy": detach_user_policy,
    "ListAttachedUserPolicies": list_attached_user_policies,
    "AttachGroupPolicy": attach_group_policy,
    "DetachGroupPolicy": detach_group_policy,
    "ListAttachedGroupPolicies": list_attached_group_policies,
}
