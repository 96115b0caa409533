"""Versions of customer managed policies: CreatePolicyVersion, GetPolicyVersion,
ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion
(access_policies_managed-versioning.md).

A policy keeps at most five versions; version ids (``v1``, ``v2``, …) are never reused, so the
next one is one past the highest ever issued. Every change locks the policy's row first, so two
concurrent CreatePolicyVersion calls at the limit cannot both pass the count.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rolegate.catalog.quotas import VERSIONS_PER_POLICY
from rolegate.domain.errors import DeleteConflict, LimitExceeded, NoSuchEntity
from rolegate.domain.managed_policy import (
    ManagedPolicy,
    PolicyVersion,
    parse_version_id,
    version_id,
)
from rolegate.services._pagination import page_by_position
from rolegate.services._wire_format import url_encoded_policy
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import quota_value
from rolegate.services.iam.policies.aws_managed import policy_version, version_dates
from rolegate.services.iam.policies.managed import (
    check_managed_policy_document,
    load_policy,
    lock_policy,
)


def too_many_versions(limit: int) -> LimitExceeded:
    return LimitExceeded(
        f"A managed policy can have up to {limit} versions. Before you create a new version, "
        "you must delete an existing version."
    )


def _no_such_version(policy: ManagedPolicy, version_id: str) -> NoSuchEntity:
    return NoSuchEntity(
        f"Policy {policy.arn} version {version_id} does not exist or is not attachable."
    )


def _version(ctx: OperationContext, policy: ManagedPolicy, version_id: str) -> PolicyVersion:
    number = parse_version_id(version_id)
    found = None if number is None else policy_version(ctx.tx, policy, number)
    if found is None:
        raise _no_such_version(policy, version_id)
    return found


def version_to_wire(
    policy: ManagedPolicy, version: PolicyVersion, *, with_document: bool
) -> dict[str, Any]:
    """The ``PolicyVersion`` shape; only GetPolicyVersion (and the account views) show the
    document."""
    out: dict[str, Any] = {}
    if with_document:
        out["Document"] = url_encoded_policy(version.document)
    out["VersionId"] = version.version_id
    out["IsDefaultVersion"] = version.version == policy.default_version
    out["CreateDate"] = version.create_date
    return out


def create_policy_version(ctx: OperationContext, params: Params) -> Result:
    found = load_policy(ctx, params["PolicyArn"], "iam:CreatePolicyVersion", change=True)
    document = params["PolicyDocument"]
    check_managed_policy_document(document)
    policy = lock_policy(ctx, found)
    repo = ctx.tx.managed_policies
    limit = quota_value(ctx.tx, ctx.account_id, VERSIONS_PER_POLICY)
    if len(repo.versions(policy.policy_id)) >= limit:
        raise too_many_versions(limit)
    version = PolicyVersion(policy.latest_version + 1, document, ctx.now)
    repo.add_version(policy.policy_id, version)
    policy = replace(policy, latest_version=version.version, update_date=ctx.now)
    if params.get("SetAsDefault"):
        policy = replace(policy, default_version=version.version)
    repo.update(policy)
    return {"PolicyVersion": version_to_wire(policy, version, with_document=False)}


def get_policy_version(ctx: OperationContext, params: Params) -> Result:
    policy = load_policy(ctx, params["PolicyArn"], "iam:GetPolicyVersion")
    version = _version(ctx, policy, params["VersionId"])
    return {"PolicyVersion": version_to_wire(policy, version, with_document=True)}


def list_policy_versions(ctx: OperationContext, params: Params) -> Result:
    """Newest first."""
    policy = load_policy(ctx, params["PolicyArn"], "iam:ListPolicyVersions")
    versions = [
        {
            "VersionId": version_id(number),
            "IsDefaultVersion": number == policy.default_version,
            "CreateDate": created,
        }
        for number, created in version_dates(ctx.tx, policy)
    ]
    return page_by_position(versions, "Versions", params)


def delete_policy_version(ctx: OperationContext, params: Params) -> Result:
    found = load_policy(ctx, params["PolicyArn"], "iam:DeletePolicyVersion", change=True)
    policy = lock_policy(ctx, found)
    version = _version(ctx, policy, params["VersionId"])
    if version.version == policy.default_version:
        raise DeleteConflict("Cannot delete the default version of a policy.")
    repo = ctx.tx.managed_policies
    repo.delete_version(policy.policy_id, version.version)
    # UpdateDate is the creation of the newest version still kept (the Policy shape's doc).
    newest = max(v.create_date for v in repo.versions(policy.policy_id))
    if newest != policy.update_date:
        repo.update(replace(policy, update_date=newest))
    return {}


def set_default_policy_version(ctx: OperationContext, params: Params) -> Result:
    found = load_policy(ctx, params["PolicyArn"], "iam:SetDefaultPolicyVersion", change=True)
    policy = lock_policy(ctx, found)
    version = _version(ctx, policy, params["VersionId"])
    ctx.tx.managed_policies.update(replace(policy, default_version=version.version))
    return {}


HANDLERS: dict[str, Handler] = {
    "CreatePolicyVersion": create_policy_version,
    "GetPolicyVersion": get_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "DeletePolicyVersion": delete_policy_version,
    "SetDefaultPolicyVersion": set_default_policy_version,
}
