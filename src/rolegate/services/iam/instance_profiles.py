"""Instance profiles: CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles,
DeleteInstanceProfile, AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile,
ListInstanceProfilesForRole
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html).
Their tags are
``tagging``'s.

A profile holds at most one role ("InstanceSessionsPerInstanceProfile",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); an
account holds at most 1,000 profiles unless its quota says otherwise (``rolegate.catalog.quotas``).
"""

from __future__ import annotations

from typing import Any

from rolegate.catalog.quotas import INSTANCE_PROFILES
from rolegate.domain.arn import iam_arn
from rolegate.domain.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
)
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.instance_profile import InstanceProfile
from rolegate.services._pagination import fetch_page
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services._wire_format import url_encoded_policy
from rolegate.services.authz import profiles_with_trust_shown
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_account_quota
from rolegate.services.iam.protected_roles import ensure_modifiable
from rolegate.services.iam.roles import load_role
from rolegate.store import Conflict

MAX_ROLES_PER_INSTANCE_PROFILE = 1


def instance_profile_arn(account: str, path: str, name: str) -> str:
    return iam_arn(account, "instance-profile", path, name)


def load_instance_profile(
    ctx: OperationContext, name: str, action: str, *, lock: bool = False
) -> InstanceProfile:
    """The profile, once the caller may perform ``action`` on it (authorization first, as for
    roles: a missing profile is judged by the path-less ARN its name would have). ``lock``
    holds it until the transaction ends: changes to its role wait for each other."""
    profile = ctx.tx.instance_profiles.get(ctx.account_id, name, for_update=lock)
    ctx.authorize(
        action, profile.arn if profile else instance_profile_arn(ctx.account_id, "/", name)
    )
    if profile is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.")
    return profile


def instance_profile_to_wire(
    profile: InstanceProfile, *, listing: bool = False, created: bool = False
) -> dict[str, Any]:
    """The ``InstanceProfile`` shape as AWS answers it: GetInstanceProfile always carries Tags
    (empty too), CreateInstanceProfile only the tags it was given, listings none. Its roles
    carry six members (no tags, no last use), their trust policies as to be shown
    (``trust_principals.profiles_with_trust_shown``)."""
    out: dict[str, Any] = {
        "Path": profile.path,
        "InstanceProfileName": profile.instance_profile_name,
        "InstanceProfileId": profile.instance_profile_id,
        "Arn": profile.arn,
        "CreateDate": profile.create_date,
        "Roles": [
            {
                "Path": role.path,
                "RoleName": role.role_name,
                "RoleId": role.role_id,
                "Arn": role.arn,
                "CreateDate": role.create_date,
                "AssumeRolePolicyDocument": url_encoded_policy(role.assume_role_policy_document),
            }
            for role in profile.roles
        ],
    }
    if not listing and (profile.tags or not created):
        out["Tags"] = tags_to_wire(profile.tags)
    return out


def create_instance_profile(ctx: OperationContext, params: Params) -> Result:
    name = params["InstanceProfileName"]
    path = params.get("Path") or "/"
    arn = instance_profile_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreateInstanceProfile", arn)
    tags = tags_from_params(params.get("Tags"))
    profile = InstanceProfile(
        account_id=ctx.account_id,
        instance_profile_id=unique_id(IdPrefix.INSTANCE_PROFILE, ctx.rng),
        instance_profile_name=name,
        path=path,
        arn=arn,
        create_date=ctx.now,
        tags=tuple(tags),
    )
    check_account_quota(ctx, INSTANCE_PROFILES, ctx.tx.instance_profiles.count)
    try:
        ctx.tx.instance_profiles.create(profile)
    except Conflict:
        raise EntityAlreadyExists(f"Instance Profile {name} already exists.") from None
    return {"InstanceProfile": instance_profile_to_wire(profile, created=True)}


def get_instance_profile(ctx: OperationContext, params: Params) -> Result:
    profile = load_instance_profile(ctx, params["InstanceProfileName"], "iam:GetInstanceProfile")
    shown = profiles_with_trust_shown(ctx.tx, [profile])[0]
    return {"InstanceProfile": instance_profile_to_wire(shown)}


def list_instance_profiles(ctx: OperationContext, params: Params) -> Result:
    prefix = params.get("PathPrefix") or "/"
    ctx.authorize("iam:ListInstanceProfiles", instance_profile_arn(ctx.account_id, prefix, ""))
    profiles, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.instance_profiles.list(
            ctx.account_id, path_prefix=prefix, marker=marker, max_items=max_items
        ),
    )
    return {"InstanceProfiles": _listing(ctx, profiles), **paging}


def delete_instance_profile(ctx: OperationContext, params: Params) -> Result:
    profile = load_instance_profile(
        ctx, params["InstanceProfileName"], "iam:DeleteInstanceProfile", lock=True
    )
    if profile.roles:
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    ctx.tx.instance_profiles.delete(profile.instance_profile_id)
    return {}


def add_role_to_instance_profile(ctx: OperationContext, params: Params) -> Result:
    profile = load_instance_profile(
        ctx, params["InstanceProfileName"], "iam:AddRoleToInstanceProfile", lock=True
    )
    # The caller must also be allowed to pass the role (API_AddRoleToInstanceProfile).
    role = load_role(ctx, params["RoleName"], "iam:PassRole")
    ensure_modifiable(role)
    quota = MAX_ROLES_PER_INSTANCE_PROFILE
    full = LimitExceeded(f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {quota}")
    if profile.roles:
        raise full
    if not ctx.tx.instance_profiles.lock_role(role.role_id):  # deleted meanwhile
        raise NoSuchEntity(f"The role with name {role.role_name} cannot be found.")
    try:
        # The store's key admits one role per profile, so a concurrent add cannot slip past.
        ctx.tx.instance_profiles.add_role(profile.instance_profile_id, role.role_id)
    except Conflict:
        raise full from None
    return {}


def remove_role_from_instance_profile(ctx: OperationContext, params: Params) -> Result:
    profile = load_instance_profile(
        ctx, params["InstanceProfileName"], "iam:RemoveRoleFromInstanceProfile"
    )
    role_name = params["RoleName"]
    role = ctx.tx.roles.get(ctx.account_id, role_name)
    if role is not None:
        ensure_modifiable(role)
    if role is None:
        raise NoSuchEntity(f"The role with name {role_name} cannot be found.")
    if not ctx.tx.instance_profiles.remove_role(profile.instance_profile_id, role.role_id):
        raise NoSuchEntity(
            f"Role {role.role_name} in Instance Profile {profile.instance_profile_name}"
            " cannot be found."
        )
    return {}


def list_instance_profiles_for_role(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:ListInstanceProfilesForRole")
    profiles, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.instance_profiles.list_for_role(
            role.role_id, marker=marker, max_items=max_items
        ),
    )
    return {"InstanceProfiles": _listing(ctx, profiles), **paging}


def _listing(ctx: OperationContext, profiles: list[InstanceProfile]) -> list[dict[str, Any]]:
    shown = profiles_with_trust_shown(ctx.tx, profiles)
    return [instance_profile_to_wire(p, listing=True) for p in shown]


HANDLERS: dict[str, Handler] = {
    "CreateInstanceProfile": create_instance_profile,
    "GetInstanceProfile": get_instance_profile,
    "ListInstanceProfiles": list_instance_profiles,
    "DeleteInstanceProfile": delete_instance_profile,
    "AddRoleToInstanceProfile": add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile": remove_role_from_instance_profile,
    "ListInstanceProfilesForRole": list_instance_profiles_for_role,
}
