"""IAM groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup,
RemoveUserFromGroup, ListGroupsForUser
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html). Inline group policies are in
``policies.inline``, attached managed policies in ``policies.attachments``.

A group gives its policies to its members (``rolegate.services.authz.principal_policies`` joins them
to each member's evaluation). An account holds at most 300 groups and a user is in at most 10 by
default (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html;
``rolegate.catalog.quotas``). Membership changes are authorized on
the group alone; ListGroupsForUser on the user.
"""

from __future__ import annotations

from typing import Any

from rolegate.catalog.quotas import GROUPS, GROUPS_PER_USER
from rolegate.domain.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity
from rolegate.domain.group import Group, group_arn
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.managed_policy import OwnerKind
from rolegate.services._pagination import fetch_page
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_account_quota, check_quota
from rolegate.services.iam.users import load_user, lock_user, no_such_user, user_to_wire
from rolegate.store import Conflict

# DeleteUser and DeleteGroup both answer this while a membership remains.
MEMBERS_REMAIN = "Cannot delete entity, must remove users from group first."


def no_such_group(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The group with name {name} cannot be found.")


def group_exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"Group with name {name} already exists.")


def load_group(ctx: OperationContext, name: str, action: str, *, lock: bool = False) -> Group:
    """The group, once the caller may perform ``action`` on it (authorization first, on the
    path-less ARN its name would have when it does not exist, as for roles and users).
    ``lock`` holds its row until the transaction ends: what counts its members, policies or
    existence (DeleteGroup, AddUserToGroup, PutGroupPolicy) then waits for the others."""
    group = ctx.tx.groups.get(ctx.account_id, name, for_update=lock)
    ctx.authorize(action, group.arn if group else group_arn(ctx.account_id, "/", name))
    if group is None:
        raise no_such_group(name)
    return group


def group_to_wire(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.group_name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": group.create_date,
    }


def create_group(ctx: OperationContext, params: Params) -> Result:
    name = params["GroupName"]
    path = params.get("Path") or "/"
    arn = group_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreateGroup", arn)
    check_account_quota(ctx, GROUPS, ctx.tx.groups.count)
    group = Group(
        account_id=ctx.account_id,
        group_id=unique_id(IdPrefix.GROUP, ctx.rng),
        group_name=name,
        path=path,
        arn=arn,
        create_date=ctx.now,
    )
    try:
        ctx.tx.groups.create(group)
    except Conflict:
        raise group_exists(name) from None
    return {"Group": group_to_wire(group)}


def get_group(ctx: OperationContext, params: Params) -> Result:
    """The group and a page of its members (``MaxItems``/``Marker`` page the users)."""
    group = load_group(ctx, params["GroupName"], "iam:GetGroup")
    members, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.groups.members(
            group.group_id, marker=marker, max_items=max_items
        ),
    )
    users = [user_to_wire(u, listing=True) for u in members]
    return {"Group": group_to_wire(group), "Users": users, **paging}


def list_groups(ctx: OperationContext, params: Params) -> Result:
    prefix = params.get("PathPrefix") or "/"
    ctx.authorize("iam:ListGroups", group_arn(ctx.account_id, prefix, ""))
    found, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.groups.list(
            ctx.account_id, path_prefix=prefix, marker=marker, max_items=max_items
        ),
    )
    return {"Groups": [group_to_wire(g) for g in found], **paging}


def update_group(ctx: OperationContext, params: Params) -> Result:
    """New name and/or path; the permission is checked on the group as it is and as it will be
    (as UpdateUser). Policies and members stay with the group (they are keyed by its id)."""
    group = load_group(ctx, params["GroupName"], "iam:UpdateGroup")
    new_name = params.get("NewGroupName") or group.group_name
    new_path = params.get("NewPath") or group.path
    new_arn = group_arn(ctx.account_id, new_path, new_name)
    if new_arn != group.arn:
        ctx.authorize("iam:UpdateGroup", new_arn)
    if (new_name, new_path) == (group.group_name, group.path):
        return {}
    try:
        ctx.tx.groups.rename(group, new_name=new_name, new_path=new_path, new_arn=new_arn)
    except Conflict:
        raise group_exists(new_name) from None
    return {}


def delete_group(ctx: OperationContext, params: Params) -> Result:
    """Refused while the group has members, inline policies or attached managed policies, in
    that order (each DeleteConflict)."""
    group = load_group(ctx, params["GroupName"], "iam:DeleteGroup", lock=True)
    if ctx.tx.groups.count_members(group.group_id):
        raise DeleteConflict(MEMBERS_REMAIN)
    if ctx.tx.group_policies.count(group.group_id):
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if ctx.tx.policy_attachments.count(OwnerKind.GROUP, group.group_id):
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    ctx.tx.groups.delete(group.group_id)
    return {}


def add_user_to_group(ctx: OperationContext, params: Params) -> Result:
    """Adding a member twice is no error. The group's row and then the user's are locked, so a
    concurrent DeleteGroup/DeleteUser or another add to the user's groups waits."""
    group = load_group(ctx, params["GroupName"], "iam:AddUserToGroup", lock=True)
    user = ctx.tx.users.get(ctx.account_id, params["UserName"])
    if user is None:
        raise no_such_user(params["UserName"])
    user = lock_user(ctx, user)
    if ctx.tx.groups.is_member(group.group_id, user.user_id):
        return {}
    check_quota(ctx, GROUPS_PER_USER, ctx.tx.groups.count_for_user(user.user_id))
    ctx.tx.groups.add_member(group.group_id, user.user_id)
    return {}


def remove_user_from_group(ctx: OperationContext, params: Params) -> Result:
    group = load_group(ctx, params["GroupName"], "iam:RemoveUserFromGroup")
    user = ctx.tx.users.get(ctx.account_id, params["UserName"])
    if user is None or not ctx.tx.groups.remove_member(group.group_id, user.user_id):
        # unverified: AWS's answer for an existing user that is not a member of the group
        raise no_such_user(params["UserName"])
    return {}


def list_groups_for_user(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:ListGroupsForUser")
    found, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.groups.groups_of_user(
            user.user_id, marker=marker, max_items=max_items
        ),
    )
    return {"Groups": [group_to_wire(g) for g in found], **paging}


HANDLERS: dict[str, Handler] = {
    "CreateGroup": create_group,
    "GetGroup": get_group,
    "ListGroups": list_groups,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "AddUserToGroup": add_user_to_group,
    "RemoveUserFromGroup": remove_user_from_group,
    "ListGroupsForUser": list_groups_for_user,
}
