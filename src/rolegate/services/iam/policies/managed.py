"""Managed policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, ListEntitiesForPolicy
(access_policies_managed-vs-inline.md, access_policies_manage-delete.md). Versions are in
``versions``, attaching in ``attachments``, tags in ``iam.tagging``.

AWS managed policies (``arn:aws:iam::aws:policy/...``, ``aws_managed``) are read like any other
policy, but every change to one is authorized against the ``aws`` account, which grants nobody
anything: they cannot be modified, tagged or deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rolegate.catalog.quotas import POLICIES
from rolegate.domain.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
)
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    OwnerKind,
    PolicyUsage,
    PolicyVersion,
    UsageCounts,
    policy_arn,
    split_policy_arn,
)
from rolegate.policy import PolicyKind, check_managed_policy_size, validate_policy
from rolegate.services._pagination import fetch_page
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._arns import invalid_arn
from rolegate.services.iam._quotas import check_account_quota
from rolegate.services.iam.policies.aws_managed import find_policy, list_with_catalogue
from rolegate.store import Conflict

# ListEntitiesForPolicy's EntityFilter -> the principal kinds it keeps.
_ENTITY_FILTERS: dict[str | None, tuple[OwnerKind, ...]] = {
    None: (OwnerKind.GROUP, OwnerKind.ROLE, OwnerKind.USER),
    "Group": (OwnerKind.GROUP,),
    "Role": (OwnerKind.ROLE,),
    "User": (OwnerKind.USER,),
    "LocalManagedPolicy": (),  # policies are not attached to policies
    "AWSManagedPolicy": (),
}
_ENTITY_ELEMENTS = {
    OwnerKind.GROUP: ("PolicyGroups", "GroupName", "GroupId"),
    OwnerKind.ROLE: ("PolicyRoles", "RoleName", "RoleId"),
    OwnerKind.USER: ("PolicyUsers", "UserName", "UserId"),
}


def policy_not_found(arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {arn} was not found.")


def policy_not_attachable(arn: str) -> NoSuchEntity:
    """ListEntitiesForPolicy's wording for a policy that does not exist."""
    return NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")


def check_managed_policy_document(document: str) -> None:
    """Every version of a managed policy: an identity policy of at most 6,144 characters."""
    validate_policy(document, PolicyKind.IDENTITY)
    check_managed_policy_size(document)


def load_policy(
    ctx: OperationContext,
    arn: str,
    action: str,
    *,
    change: bool = False,
    not_found: Callable[[str], NoSuchEntity] = policy_not_found,
) -> ManagedPolicy:
    """The policy ``arn`` names, once the caller may perform ``action`` on it.

    Authorization comes first (AccessDenied whether or not the policy exists). Reading an AWS
    managed policy is judged in the caller's own account; changing one (``change``) is judged
    in the ``aws`` account, where no caller is allowed anything.
    """
    parts = split_policy_arn(arn)
    if parts is None:
        raise invalid_arn(arn)
    account = parts.account
    if account == AWS_ACCOUNT and not change:
        account = ctx.account_id
    ctx.authorize(action, arn, resource_account=account)
    policy = find_policy(ctx.tx, arn)
    if policy is None:
        raise not_found(arn)
    return policy


def lock_policy(ctx: OperationContext, policy: ManagedPolicy) -> ManagedPolicy:
    """Re-read ``policy`` under an exclusive row lock (concurrent version changes and deletion
    wait for each other); NoSuchEntity if it was deleted meanwhile."""
    locked = ctx.tx.managed_policies.lock(policy.policy_id, exclusive=True)
    if locked is None:
        raise policy_not_found(policy.arn)
    return locked


def policy_to_wire(
    policy: ManagedPolicy, counts: UsageCounts | None, *, listing: bool = False
) -> dict[str, Any]:
    """The ``Policy`` shape. ListPolicies leaves out Description and Tags."""
    counts = counts or UsageCounts()
    out: dict[str, Any] = {
        "PolicyName": policy.policy_name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": counts.attachments,
        "PermissionsBoundaryUsageCount": counts.boundaries,
        "IsAttachable": policy.is_attachable,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    }
    if listing:
        return out
    if policy.description is not None:
        out["Description"] = policy.description
    # CreatePolicy and GetPolicy answer with Tags even when there are none (an empty list).
    out["Tags"] = tags_to_wire(policy.tags)
    return out


def _counts(ctx: OperationContext, policy: ManagedPolicy) -> UsageCounts | None:
    return ctx.tx.managed_policies.usage_counts(ctx.account_id, [policy.policy_id]).get(
        policy.policy_id
    )


def create_policy(ctx: OperationContext, params: Params) -> Result:
    name = params["PolicyName"]
    path = params.get("Path") or "/"
    arn = policy_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreatePolicy", arn)
    document = params["PolicyDocument"]
    check_managed_policy_document(document)
    tags = tags_from_params(params.get("Tags"), case_sensitive=True)
    policy = ManagedPolicy(
        account_id=ctx.account_id,
        policy_id=unique_id(IdPrefix.MANAGED_POLICY, ctx.rng),
        policy_name=name,
        path=path,
        arn=arn,
        create_date=ctx.now,
        update_date=ctx.now,
        default_version=1,
        latest_version=1,
        description=params.get("Description"),
        tags=tuple(tags),
    )
    check_account_quota(ctx, POLICIES, ctx.tx.managed_policies.count)
    try:
        ctx.tx.managed_policies.create(policy, PolicyVersion(1, document, ctx.now))
    except Conflict:
        raise EntityAlreadyExists(
            f"A policy called {name} already exists. Duplicate names are not allowed."
        ) from None
    return {"Policy": policy_to_wire(policy, None)}


def get_policy(ctx: OperationContext, params: Params) -> Result:
    policy = load_policy(ctx, params["PolicyArn"], "iam:GetPolicy")
    return {"Policy": policy_to_wire(policy, _counts(ctx, policy))}


def list_policies(ctx: OperationContext, params: Params) -> Result:
    """Scope, PathPrefix, OnlyAttached, PolicyUsageFilter (ListPolicies API reference).

    PolicyUsageFilter keeps the policies used that way in the account (PermissionsBoundary:
    set as some principal's boundary); OnlyAttached alone keeps those attached as permissions
    policies (AttachmentCount > 0).
    """
    prefix = params.get("PathPrefix") or "/"
    ctx.authorize("iam:ListPolicies", policy_arn(ctx.account_id, prefix, ""))
    usage = None
    if params.get("PolicyUsageFilter"):
        usage = PolicyUsage(params["PolicyUsageFilter"])
    elif params.get("OnlyAttached"):
        usage = PolicyUsage.PERMISSIONS
    repo = ctx.tx.managed_policies
    scope = params.get("Scope") or "All"
    if usage is None and scope != "Local":
        # Every AWS managed policy is listed: they come from the catalogue, the account's own
        # policies (Scope=All) from the database.
        counted, paging = fetch_page(
            params,
            lambda marker, max_items: list_with_catalogue(
                ctx.tx, ctx.account_id, scope, prefix, marker, max_items
            ),
        )
    else:
        # Only used policies: the AWS managed ones among them have a stored copy.
        counted, paging = fetch_page(
            params,
            lambda marker, max_items: repo.list_policies_with_counts(
                ctx.account_id,
                scope=scope,
                path_prefix=prefix,
                usage=usage,
                marker=marker,
                max_items=max_items,
            ),
        )
    return {
        "Policies": [policy_to_wire(p, counts, listing=True) for p, counts in counted],
        **paging,
    }


def delete_policy(ctx: OperationContext, params: Params) -> Result:
    """Refused while any principal uses the policy, or while it has versions besides the
    default one (DeletePolicy API reference: detach, delete the versions, then the policy)."""
    policy = lock_policy(
        ctx, load_policy(ctx, params["PolicyArn"], "iam:DeletePolicy", change=True)
    )
    counts = _counts(ctx, policy)
    if counts is not None and (counts.attachments or counts.boundaries):
        raise DeleteConflict("Cannot delete a policy attached to entities.")
    if len(ctx.tx.managed_policies.versions(policy.policy_id)) > 1:
        raise DeleteConflict(
            "This policy has more than one version. Before you delete a policy, you must "
            "delete the policy's versions. The default version is deleted with the policy."
        )
    ctx.tx.managed_policies.delete(policy.policy_id)
    return {}


def list_entities_for_policy(ctx: OperationContext, params: Params) -> Result:
    policy = load_policy(
        ctx, params["PolicyArn"], "iam:ListEntitiesForPolicy", not_found=policy_not_attachable
    )
    kinds = _ENTITY_FILTERS[params.get("EntityFilter")]
    usage = params.get("PolicyUsageFilter")
    out: Result = {element: [] for element, _, _ in _ENTITY_ELEMENTS.values()}
    entities, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.policy_attachments.entities(
            policy.policy_id,
            ctx.account_id,
            kinds=kinds,
            usage=PolicyUsage(usage) if usage else None,
            path_prefix=params.get("PathPrefix") or "/",
            marker=marker,
            max_items=max_items,
        ),
    )
    for entity in entities:
        element, name_key, id_key = _ENTITY_ELEMENTS[entity.kind]
        out[element].append({name_key: entity.name, id_key: entity.entity_id})
    return {**out, **paging}


HANDLERS: dict[str, Handler] = {
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "ListPolicies": list_policies,
    "DeletePolicy": delete_policy,
    "ListEntitiesForPolicy": list_entities_for_policy,
}
