"""GetAccountAuthorizationDetails: the users, groups, roles and managed policies of the account
with their relationships, one page at a time (API_GetAccountAuthorizationDetails).

A page walks the kinds in a fixed order (users, groups, roles, customer managed policies, AWS
managed policies) and fills up to MaxItems entities across them. The marker names the kind and
that kind's own keyset marker (its case-folded name), so reaching any page costs one index range
scan, and the details of a page (inline policies, attachments, tags, instance profiles, versions)
are read with one query per detail kind for the whole page: a page's cost does not grow with the
account. AWS managed policies appear only while attached to some principal of the account; all
policy documents are URL-encoded, as IAM returns them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rolegate.domain.entities import InlinePolicy, Role, User
from rolegate.domain.errors import ValidationError
from rolegate.domain.group import Group
from rolegate.domain.managed_policy import ManagedPolicy, OwnerKind, PolicyUsage, UsageCounts
from rolegate.services._pagination import DEFAULT_MAX_ITEMS
from rolegate.services._tags import tags_to_wire
from rolegate.services._wire_format import url_encoded_policy
from rolegate.services.authz import profiles_with_trust_shown, shown_trust_policies
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.instance_profiles import instance_profile_to_wire
from rolegate.services.iam.policies.aws_managed import catalogued, policy_versions
from rolegate.services.iam.policies.managed import policy_to_wire
from rolegate.services.iam.policies.versions import version_to_wire
from rolegate.store import InvalidMarker, Page, decode_marker, encode_marker

_LISTING = "account-authorization-details"

Fetch = Callable[[OperationContext, str | None, int], Page[Any]]
Render = Callable[[OperationContext, list[Any]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class _Kind:
    filter_name: str  # the model's EntityType
    element: str  # the response list it fills
    fetch: Fetch  # one keyset page of this kind: (ctx, kind's marker, max items)
    render: Render  # the page's entities as detail shapes, details read in batches


# --- users ---------------------------------------------------------------------------------------
def _users(ctx: OperationContext, marker: str | None, max_items: int) -> Page[User]:
    return ctx.tx.users.list(ctx.account_id, marker=marker, max_items=max_items)


def _user_details(ctx: OperationContext, users: list[User]) -> list[dict[str, Any]]:
    repo = ctx.tx.account_details
    ids = [u.user_id for u in users]
    inline = repo.inline_policies(OwnerKind.USER, ids)
    attached = repo.attached_policies(OwnerKind.USER, ids)
    groups = repo.group_names(ids)
    tags = repo.user_tags(ids)
    out = []
    for user in users:
        detail: dict[str, Any] = {
            "Path": user.path,
            "UserName": user.user_name,
            "UserId": user.user_id,
            "Arn": user.arn,
            "CreateDate": user.create_date,
            "GroupList": groups.get(user.user_id, []),
            "AttachedManagedPolicies": _attached_to_wire(attached.get(user.user_id, ())),
        }
        # A user without inline policies has no UserPolicyList at all (groups and roles show
        # an empty list).
        user_policies = inline.get(user.user_id, ())
        if user_policies:
            detail["UserPolicyList"] = _inline_to_wire(user_policies)
        if user.permissions_boundary_arn is not None:
            detail["PermissionsBoundary"] = _boundary_to_wire(user.permissions_boundary_arn)
        detail["Tags"] = tags_to_wire(tags.get(user.user_id, ()))
        out.append(detail)
    return out


# --- groups --------------------------------------------------------------------------------------
def _groups(ctx: OperationContext, marker: str | None, max_items: int) -> Page[Group]:
    return ctx.tx.groups.list(ctx.account_id, marker=marker, max_items=max_items)


def _group_details(ctx: OperationContext, groups: list[Group]) -> list[dict[str, Any]]:
    repo = ctx.tx.account_details
    ids = [g.group_id for g in groups]
    inline = repo.inline_policies(OwnerKind.GROUP, ids)
    attached = repo.attached_policies(OwnerKind.GROUP, ids)
    return [
        {
            "Path": group.path,
            "GroupName": group.group_name,
            "GroupId": group.group_id,
            "Arn": group.arn,
            "CreateDate": group.create_date,
            "GroupPolicyList": _inline_to_wire(inline.get(group.group_id, ())),
            "AttachedManagedPolicies": _attached_to_wire(attached.get(group.group_id, ())),
        }
        for group in groups
    ]


# --- roles ---------------------------------------------------------------------------------------
def _roles(ctx: OperationContext, marker: str | None, max_items: int) -> Page[Role]:
    return ctx.tx.roles.list(ctx.account_id, marker=marker, max_items=max_items, with_tags=True)


def _role_details(ctx: OperationContext, roles: list[Role]) -> list[dict[str, Any]]:
    repo = ctx.tx.account_details
    ids = [r.role_id for r in roles]
    profiles = ctx.tx.instance_profiles.of_roles(ids)
    inline = repo.inline_policies(OwnerKind.ROLE, ids)
    attached = repo.attached_policies(OwnerKind.ROLE, ids)
    # a profile holds one role: the one it is listed under, so its trust policy is shown already
    shown = shown_trust_policies(ctx.tx, roles)
    out = []
    for role in roles:
        role_id = role.role_id
        its_profiles = profiles_with_trust_shown(ctx.tx, profiles.get(role_id, ()), shown)
        detail: dict[str, Any] = {
            "Path": role.path,
            "RoleName": role.role_name,
            "RoleId": role_id,
            "Arn": role.arn,
            "CreateDate": role.create_date,
            "AssumeRolePolicyDocument": url_encoded_policy(shown[role_id]),
            "InstanceProfileList": [instance_profile_to_wire(p) for p in its_profiles],
            "RolePolicyList": _inline_to_wire(inline.get(role_id, ())),
            "AttachedManagedPolicies": _attached_to_wire(attached.get(role_id, ())),
        }
        if role.permissions_boundary_arn is not None:
            detail["PermissionsBoundary"] = _boundary_to_wire(role.permissions_boundary_arn)
        detail["Tags"] = tags_to_wire(role.tags)
        detail["RoleLastUsed"] = (
            {"LastUsedDate": role.last_used_date, "Region": role.last_used_region}
            if role.last_used_date is not None
            else {}
        )
        out.append(detail)
    return out


# --- managed policies ----------------------------------------------------------------------------
def _local_policies(
    ctx: OperationContext, marker: str | None, max_items: int
) -> Page[tuple[ManagedPolicy, UsageCounts]]:
    return ctx.tx.managed_policies.list_policies_with_counts(
        ctx.account_id, scope="Local", marker=marker, max_items=max_items
    )


def _aws_policies(
    ctx: OperationContext, marker: str | None, max_items: int
) -> Page[tuple[ManagedPolicy, UsageCounts]]:
    # AWS managed policies count only where the account attached them.
    return ctx.tx.managed_policies.list_policies_with_counts(
        ctx.account_id,
        scope="AWS",
        usage=PolicyUsage.PERMISSIONS,
        marker=marker,
        max_items=max_items,
    )


def _policy_details(
    ctx: OperationContext, policies: list[tuple[ManagedPolicy, UsageCounts]]
) -> list[dict[str, Any]]:
    versions = ctx.tx.account_details.policy_versions([policy.policy_id for policy, _ in policies])
    out = []
    for policy, counts in policies:
        detail = policy_to_wire(policy, counts)
        # An AWS managed policy's versions are the catalogue's (the database keeps the default).
        kept = policy_versions(ctx.tx, policy) if catalogued(policy) else versions[policy.policy_id]
        detail["PolicyVersionList"] = [version_to_wire(policy, v, with_document=True) for v in kept]
        out.append(detail)
    return out


# --- shapes shared by the kinds ------------------------------------------------------------------
def _inline_to_wire(policies: Sequence[InlinePolicy]) -> list[dict[str, str]]:
    return [
        {"PolicyName": p.policy_name, "PolicyDocument": url_encoded_policy(p.policy_document)}
        for p in policies
    ]


def _attached_to_wire(policies: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"PolicyName": name, "PolicyArn": arn} for name, arn in policies]


def _boundary_to_wire(arn: str) -> dict[str, str]:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


_KINDS = (
    _Kind("User", "UserDetailList", _users, _user_details),
    _Kind("Group", "GroupDetailList", _groups, _group_details),
    _Kind("Role", "RoleDetailList", _roles, _role_details),
    _Kind("LocalManagedPolicy", "Policies", _local_policies, _policy_details),
    _Kind("AWSManagedPolicy", "Policies", _aws_policies, _policy_details),
)
_ELEMENTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


# --- the operation -------------------------------------------------------------------------------
def get_account_authorization_details(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetAccountAuthorizationDetails", "*")
    wanted = set(params.get("Filter") or ())
    kinds = [k for k in _KINDS if not wanted or k.filter_name in wanted]
    start, inner = _start(kinds, params.get("Marker"))
    remaining = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    out: Result = {element: [] for element in _ELEMENTS}
    next_marker: str | None = None
    for position in range(start, len(kinds)):
        kind = kinds[position]
        if remaining == 0:
            # The page is full: it is truncated only if a later kind has something to show.
            if kind.fetch(ctx, None, 1).items:
                next_marker = _marker(kind, None)
                break
            continue
        try:
            page = kind.fetch(ctx, inner if position == start else None, remaining)
        except InvalidMarker:
            raise ValidationError("Invalid Marker.") from None
        out[kind.element].extend(kind.render(ctx, page.items))
        remaining -= len(page.items)
        if page.next_marker is not None:
            next_marker = _marker(kind, page.next_marker)
            break
    out["IsTruncated"] = next_marker is not None
    if next_marker is not None:
        out["Marker"] = next_marker
    return out


def _marker(kind: _Kind, inner: str | None) -> str:
    return encode_marker(_LISTING, f"{kind.filter_name}\n{inner or ''}")


def _start(kinds: list[_Kind], marker: str | None) -> tuple[int, str | None]:
    """(index of the kind to resume with, that kind's own marker) from a marker we issued."""
    if marker is None:
        return 0, None
    try:
        kind_name, _, inner = decode_marker(_LISTING, marker).partition("\n")
    except InvalidMarker:
        raise ValidationError("Invalid Marker.") from None
    for index, kind in enumerate(kinds):
        if kind.filter_name == kind_name:
            return index, inner or None
    raise ValidationError("Invalid Marker.")  # issued for another Filter


HANDLERS: dict[str, Handler] = {"GetAccountAuthorizationDetails": get_account_authorization_details}
