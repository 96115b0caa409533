"""Permissions boundaries (access_policies_boundaries.md): a managed policy that caps what a
role's or user's identity policies can grant. Set by CreateRole/CreateUser (``PermissionsBoundary``)
or Put{Role,User}PermissionsBoundary; the boundary must name an existing managed policy of the
caller's account or an AWS managed one.

The principal keeps the boundary's ARN (shown by GetRole/GetUser); ``policy_attachments``
records the use, which counts in PermissionsBoundaryUsageCount and stops DeletePolicy.
"""

from __future__ import annotations

from rolegate.catalog import SERVICE_ROLE_PATH
from rolegate.domain.errors import NoSuchEntity, PolicyNotAttachable
from rolegate.domain.managed_policy import AWS_ACCOUNT, ManagedPolicy, OwnerKind, split_policy_arn
from rolegate.services.context import OperationContext
from rolegate.services.iam._arns import invalid_arn
from rolegate.services.iam.policies.aws_managed import stored_policy

# AWS's text when a role is given a service-role policy (seen in Terraform and CLI reports); we
# answer it for users and boundaries too, where AWS's own wording is unverified.
SERVICE_ROLE_POLICY = "Cannot attach a Service Role Policy to a Customer Role."


def not_attachable() -> PolicyNotAttachable:
    """AWS service-role policies (path ``/aws-service-role/``) are reserved to service-linked
    roles, though listed with IsAttachable true (the model's PolicyNotAttachableException)."""
    return PolicyNotAttachable(SERVICE_ROLE_POLICY)


def attachable_policy(ctx: OperationContext, arn: str, missing: NoSuchEntity) -> ManagedPolicy:
    """The managed policy ``arn`` if the caller's account may attach it: its own or AWS's."""
    parts = split_policy_arn(arn)
    if parts is None:
        raise invalid_arn(arn)
    if parts.account not in (ctx.account_id, AWS_ACCOUNT):
        raise missing
    policy = stored_policy(ctx.tx, arn)
    if policy is None:
        raise missing
    # Take a shared lock: a concurrent DeletePolicy waits for this transaction, or wins first.
    locked = ctx.tx.managed_policies.lock(policy.policy_id, exclusive=False)
    if locked is None:
        raise missing
    if not locked.is_attachable or (
        locked.account_id == AWS_ACCOUNT and locked.path.startswith(SERVICE_ROLE_PATH)
    ):
        raise not_attachable()
    return locked


def resolve_boundary(ctx: OperationContext, arn: str) -> ManagedPolicy:
    """The policy a ``PermissionsBoundary`` parameter names (AWS: "Scope ARN: … does not exist
    or is not attachable." when there is none)."""
    return attachable_policy(
        ctx, arn, NoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")
    )


def record_boundary(
    ctx: OperationContext, owner_kind: OwnerKind, owner_id: str, policy: ManagedPolicy | None
) -> None:
    """Record ``policy`` as the principal's boundary (None: it has none any more)."""
    ctx.tx.policy_attachments.set_boundary(
        ctx.account_id, owner_kind, owner_id, policy.policy_id if policy is not None else None
    )
