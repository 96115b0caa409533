"""IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription, DeleteRole,
UpdateAssumeRolePolicy (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create.html,
id_roles_manage*.md). Their tags are ``tagging``'s.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from rolegate.catalog.quotas import ROLES
from rolegate.domain.arn import role_arn
from rolegate.domain.entities import Role
from rolegate.domain.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
)
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.managed_policy import OwnerKind
from rolegate.services._pagination import fetch_page
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services._wire_format import url_encoded_policy
from rolegate.services.authz import target_boundary_context, with_trust_shown
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_account_quota
from rolegate.services.iam.policies.boundaries import record_boundary, resolve_boundary
from rolegate.services.iam.policies.documents import check_trust_policy
from rolegate.services.iam.protected_roles import check_customer_role_path, ensure_modifiable
from rolegate.store import Conflict
from rolegate.wire import Memoized

DEFAULT_MAX_SESSION_DURATION = 3600


def load_role(ctx: OperationContext, role_name: str, action: str) -> Role:
    """The role, once the caller may perform ``action`` on it.

    Authorization comes first, as in AWS: a caller that may not act on the role gets
    AccessDenied whether or not it exists; an existing role is judged by its real ARN (with its
    path), a missing one by the path-less ARN its name would have. ``iam:PermissionsBoundary``
    is the boundary the role has now, for the actions that carry it.
    """
    role = ctx.tx.roles.get(ctx.account_id, role_name)
    boundary = role.permissions_boundary_arn if role else None
    ctx.authorize(
        action,
        role.arn if role else role_arn(ctx.account_id, "/", role_name),
        context=target_boundary_context(action, boundary),
    )
    if role is None:
        raise NoSuchEntity(f"The role with name {role_name} cannot be found.")
    return role


def role_to_wire(role: Role, *, listing: bool = False) -> dict[str, Any]:
    """The ``Role`` shape. ListRoles leaves out Tags, PermissionsBoundary and RoleLastUsed.
    ``role``'s trust policy as it is to be shown (``trust_principals.with_trust_shown``)."""
    out: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.role_name,
        "RoleId": role.role_id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": url_encoded_policy(role.assume_role_policy_document),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        out["Description"] = role.description
    if listing:
        return out
    if role.permissions_boundary_arn is not None:
        out["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": role.permissions_boundary_arn,
        }
    if role.tags:
        out["Tags"] = tags_to_wire(role.tags)
    last_used: dict[str, Any] = {}
    if role.last_used_date is not None:
        last_used["LastUsedDate"] = role.last_used_date
        last_used["Region"] = role.last_used_region
    out["RoleLastUsed"] = last_used
    return out


def _listed(role: Role) -> tuple[object, ...]:
    """What ``role_to_wire(role, listing=True)`` shows: the key of its rendered XML."""
    return (
        "ListRoles",
        role.role_id,
        role.role_name,
        role.path,
        role.arn,
        role.create_date,
        role.assume_role_policy_document,
        role.max_session_duration,
        role.description,
    )


def create_role(ctx: OperationContext, params: Params) -> Result:
    name = params["RoleName"]
    path = params.get("Path") or "/"
    arn = role_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreateRole", arn)
    check_customer_role_path(path)
    document = params["AssumeRolePolicyDocument"]
    principal_ids = check_trust_policy(document, ctx.tx)
    tags = tags_from_params(params.get("Tags"))
    boundary = None
    if params.get("PermissionsBoundary") is not None:
        boundary = resolve_boundary(ctx, params["PermissionsBoundary"])
    role = Role(
        account_id=ctx.account_id,
        role_id=unique_id(IdPrefix.ROLE, ctx.rng),
        role_name=name,
        path=path,
        arn=arn,
        create_date=ctx.now,
        assume_role_policy_document=document,
        description=params.get("Description"),
        max_session_duration=params.get("MaxSessionDuration") or DEFAULT_MAX_SESSION_DURATION,
        permissions_boundary_arn=boundary.arn if boundary is not None else None,
        tags=tuple(tags),
        trust_principal_ids=principal_ids,
    )
    check_account_quota(ctx, ROLES, ctx.tx.roles.count)
    try:
        ctx.tx.roles.create(role)
    except Conflict:
        raise EntityAlreadyExists(f"Role with name {name} already exists.") from None
    if boundary is not None:
        record_boundary(ctx, OwnerKind.ROLE, role.role_id, boundary)
    created = role_to_wire(role)  # its principals were resolved just now: the text as submitted
    # CreateRole answers without RoleLastUsed and MaxSessionDuration (GetRole shows both).
    del created["RoleLastUsed"], created["MaxSessionDuration"]
    return {"Role": created}


def get_role(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:GetRole")
    return {"Role": role_to_wire(with_trust_shown(ctx.tx, [role])[0])}


def list_roles(ctx: OperationContext, params: Params) -> Result:
    prefix = params.get("PathPrefix") or "/"
    # AWS names the listing's path as the resource: "arn:aws:iam::ACCT:role/" for the root path.
    ctx.authorize("iam:ListRoles", role_arn(ctx.account_id, prefix, ""))
    roles, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.roles.list(
            ctx.account_id,
            path_prefix=prefix,
            marker=marker,
            max_items=max_items,
            with_tags=False,  # ListRoles leaves tags out
        ),
    )
    shown = with_trust_shown(ctx.tx, roles)
    listed = [Memoized(_listed(r), partial(role_to_wire, r, listing=True)) for r in shown]
    return {"Roles": listed, **paging}


def update_role(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:UpdateRole")
    changes: dict[str, Any] = {}
    if "Description" in params:
        changes["description"] = params["Description"]
    if params.get("MaxSessionDuration") is not None:
        ensure_modifiable(role)  # a service-linked role's description alone may change
        changes["max_session_duration"] = params["MaxSessionDuration"]
    if changes:
        ctx.tx.roles.update(replace(role, **changes))
    return {}


def update_role_description(ctx: OperationContext, params: Params) -> Result:
    role = replace(
        load_role(ctx, params["RoleName"], "iam:UpdateRoleDescription"),
        description=params["Description"],
    )
    ctx.tx.roles.update(role)
    return {"Role": role_to_wire(with_trust_shown(ctx.tx, [role])[0])}


def delete_role(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:DeleteRole")
    ensure_modifiable(role)
    # Hold the role while checking what still uses it: a concurrent AddRoleToInstanceProfile or
    # AttachRolePolicy takes the same lock, so it waits for this answer or this waits for it.
    ctx.tx.policy_attachments.lock_owner(OwnerKind.ROLE, role.role_id)
    if ctx.tx.instance_profiles.count_for_role(role.role_id):
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    if ctx.tx.role_policies.count(role.role_id):
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if ctx.tx.policy_attachments.count(OwnerKind.ROLE, role.role_id):
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    ctx.tx.policy_attachments.clear(OwnerKind.ROLE, role.role_id)  # its boundary
    ctx.tx.roles.delete(ctx.account_id, role.role_name)
    return {}


def update_assume_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:UpdateAssumeRolePolicy")
    ensure_modifiable(role)
    document = params["PolicyDocument"]
    principal_ids = check_trust_policy(document, ctx.tx)  # bound to the principals of now
    ctx.tx.roles.update(
        replace(role, assume_role_policy_document=document, trust_principal_ids=principal_ids)
    )
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateRole": create_role,
    "GetRole": get_role,
    "ListRoles": list_roles,
    "UpdateRole": update_role,
    "UpdateRoleDescription": update_role_description,
    "DeleteRole": delete_role,
    "UpdateAssumeRolePolicy": update_assume_role_policy,
}
