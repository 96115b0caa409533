"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser,
Put/DeleteUserPermissionsBoundary (id_users_create.md, id_users_manage.md). Their tags are
``tagging``'s.

A user is a principal with long-term credentials (its access keys, ``access_keys``).
Operations whose ``UserName`` is optional act on the caller itself when it is left out.
"""

from __future__ import annotations

from typing import Any

from rolegate.catalog.quotas import USERS
from rolegate.domain.arn import root_arn, user_arn
from rolegate.domain.entities import User
from rolegate.domain.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
    ValidationError,
)
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.managed_policy import OwnerKind
from rolegate.services._pagination import fetch_page
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services.authz import target_boundary_context
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_account_quota
from rolegate.services.iam.policies.boundaries import record_boundary, resolve_boundary
from rolegate.store import Conflict

# AWS's answer when a call that may name no user comes from a role session or federated user.
NON_USER_CREDENTIALS = "Must specify userName when calling with non-User credentials"


def no_such_user(user_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The user with name {user_name} cannot be found.")


def load_user(ctx: OperationContext, user_name: str, action: str, *, lock: bool = False) -> User:
    """The user, once the caller may perform ``action`` on it; with ``lock``, as it is once
    this transaction holds its row (:func:`lock_user`).

    As ``roles.load_role``: authorization comes first, on the user's real ARN (with its
    path) when it exists and on the path-less ARN its name would have when it does not, with
    the user's current boundary as ``iam:PermissionsBoundary`` for the actions that carry it.
    """
    user = ctx.tx.users.get(ctx.account_id, user_name)
    boundary = user.permissions_boundary_arn if user else None
    ctx.authorize(
        action,
        user.arn if user else user_arn(ctx.account_id, "/", user_name),
        context=target_boundary_context(action, boundary),
    )
    if user is None:
        raise no_such_user(user_name)
    return lock_user(ctx, user) if lock else user


def lock_user(ctx: OperationContext, user: User) -> User:
    """``user`` as it is once this transaction holds its row lock (NoSuchEntity if a concurrent
    DeleteUser won). Operations that check what the user holds before changing it lock first."""
    if not ctx.tx.users.lock(user.user_id):
        raise no_such_user(user.user_name)
    fresh = ctx.tx.users.get(ctx.account_id, user.user_name)
    if fresh is None or fresh.user_id != user.user_id:  # renamed while we waited
        raise no_such_user(user.user_name)
    return fresh


def target_user_name(ctx: OperationContext, params: Params) -> str | None:
    """``UserName`` if given, else the calling IAM user's name; None means the root user.

    Role sessions and federated users have no user of their own to fall back on.
    """
    name: str | None = params.get("UserName")
    if name is not None:
        return name
    caller = ctx.caller
    if caller.principal_type == "user" and caller.user_name is not None:
        return caller.user_name
    if caller.principal_type == "root":
        return None
    raise ValidationError(NON_USER_CREDENTIALS)


def user_to_wire(user: User, *, listing: bool = False) -> dict[str, Any]:
    """The ``User`` shape; ListUsers leaves out Tags and PermissionsBoundary."""
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.user_name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.create_date,
    }
    if listing:
        return out
    if user.permissions_boundary_arn is not None:
        out["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": user.permissions_boundary_arn,
        }
    if user.tags:
        out["Tags"] = tags_to_wire(user.tags)
    return out


def create_user(ctx: OperationContext, params: Params) -> Result:
    name = params["UserName"]
    path = params.get("Path") or "/"
    arn = user_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreateUser", arn)
    boundary = None
    if params.get("PermissionsBoundary") is not None:
        boundary = resolve_boundary(ctx, params["PermissionsBoundary"])
    user = User(
        account_id=ctx.account_id,
        user_id=unique_id(IdPrefix.USER, ctx.rng),
        user_name=name,
        path=path,
        arn=arn,
        create_date=ctx.now,
        permissions_boundary_arn=boundary.arn if boundary is not None else None,
        tags=tuple(tags_from_params(params.get("Tags"))),
    )
    check_account_quota(ctx, USERS, ctx.tx.users.count)
    try:
        ctx.tx.users.create(user)
    except Conflict:
        raise EntityAlreadyExists(f"User with name {name} already exists.") from None
    if boundary is not None:
        record_boundary(ctx, OwnerKind.USER, user.user_id, boundary)
    return {"User": user_to_wire(user)}


def get_user(ctx: OperationContext, params: Params) -> Result:
    name = target_user_name(ctx, params)
    if name is not None:
        return {"User": user_to_wire(load_user(ctx, name, "iam:GetUser"))}
    # The root user: AWS answers with the account id as UserId, no UserName and no Path.
    arn = root_arn(ctx.account_id)
    ctx.authorize("iam:GetUser", arn)
    account = ctx.tx.accounts.get(ctx.account_id)
    created = account.create_date if account is not None else ctx.now
    return {"User": {"UserId": ctx.account_id, "Arn": arn, "CreateDate": created}}


def list_users(ctx: OperationContext, params: Params) -> Result:
    prefix = params.get("PathPrefix") or "/"
    ctx.authorize("iam:ListUsers", user_arn(ctx.account_id, prefix, ""))
    users, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.users.list(
            ctx.account_id, path_prefix=prefix, marker=marker, max_items=max_items
        ),
    )
    return {"Users": [user_to_wire(u, listing=True) for u in users], **paging}


def update_user(ctx: OperationContext, params: Params) -> Result:
    """New name and/or path. IAM checks the permission on the user as it is and as it will be
    (id_users_manage.md, "Renaming an IAM user")."""
    user = load_user(ctx, params["UserName"], "iam:UpdateUser")
    new_name = params.get("NewUserName") or user.user_name
    new_path = params.get("NewPath") or user.path
    new_arn = user_arn(ctx.account_id, new_path, new_name)
    if new_arn != user.arn:
        ctx.authorize("iam:UpdateUser", new_arn)
    if (new_name, new_path) == (user.user_name, user.path):
        return {}
    try:
        ctx.tx.users.rename(user, new_name=new_name, new_path=new_path, new_arn=new_arn)
    except Conflict:
        raise EntityAlreadyExists(f"User with name {new_name} already exists.") from None
    if new_name != user.user_name:
        # What is keyed by the user's name follows it: access keys and enabled MFA devices.
        ctx.tx.access_keys.rename_user(ctx.account_id, user.user_name, new_name)
        for device in ctx.tx.mfa_devices.list_for_user(ctx.account_id, user.user_name):
            ctx.tx.mfa_devices.set_user(device.serial_number, new_name, device.enable_date)
    return {}


def delete_user(ctx: OperationContext, params: Params) -> Result:
    """Refused while the user still has what the API reference lists to remove first
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html); the checks
    follow the order of that list (password, access keys, signing certificates, SSH public keys,
    service-specific credentials, MFA devices, inline policies, attached policies, groups)."""
    user = load_user(ctx, params["UserName"], "iam:DeleteUser", lock=True)
    if ctx.tx.login_profiles.get(user.user_id) is not None:
        raise DeleteConflict("Cannot delete entity, must delete login profile first.")
    if ctx.tx.access_keys.count_for(ctx.account_id, user.user_name):
        raise DeleteConflict("Cannot delete entity, must delete access keys first.")
    if ctx.tx.signing_certificates.list_for(ctx.account_id, user.user_id):
        # unverified wording, as the three below
        raise DeleteConflict("Cannot delete entity, must delete signing certificates first.")
    if ctx.tx.ssh_public_keys.list_for_user(user.user_id):
        raise DeleteConflict("Cannot delete entity, must delete SSH public keys first.")
    if ctx.tx.service_credentials.list(ctx.account_id, user.user_id):
        raise DeleteConflict(
            "Cannot delete entity, must delete service specific credentials first."
        )
    if ctx.tx.mfa_devices.list_for_user(ctx.account_id, user.user_name):
        raise DeleteConflict("Cannot delete entity, must delete MFA device first.")
    if ctx.tx.user_policies.count(user.user_id):
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if ctx.tx.policy_attachments.count(OwnerKind.USER, user.user_id):
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    if ctx.tx.groups.count_for_user(user.user_id):
        raise DeleteConflict("Cannot delete entity, must remove users from group first.")
    ctx.tx.policy_attachments.clear(OwnerKind.USER, user.user_id)  # its boundary
    ctx.tx.users.delete(user.user_id)
    return {}


def put_user_permissions_boundary(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:PutUserPermissionsBoundary")
    policy = resolve_boundary(ctx, params["PermissionsBoundary"])
    ctx.tx.users.set_permissions_boundary(user.user_id, policy.arn)
    record_boundary(ctx, OwnerKind.USER, user.user_id, policy)
    return {}


def delete_user_permissions_boundary(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:DeleteUserPermissionsBoundary")
    ctx.tx.users.set_permissions_boundary(user.user_id, None)
    record_boundary(ctx, OwnerKind.USER, user.user_id, None)
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateUser": create_user,
    "GetUser": get_user,
    "ListUsers": list_users,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
    "PutUserPermissionsBoundary": put_user_permissions_boundary,
    "DeleteUserPermissionsBoundary": delete_user_permissions_boundary,
}
