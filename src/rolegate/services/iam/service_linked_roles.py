"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole,
GetServiceLinkedRoleDeletionStatus (using-service-linked-roles.md).

The role's name, path, trust policy, managed policies and default description come from the
service catalogue (``rolegate.catalog.service_linked_roles``). Its managed policies are attached
when rolegate knows them (the AWS managed policies catalogue, with the service-role policies
operators add).

A deletion task runs within the DeleteServiceLinkedRole request: the role is deleted (SUCCEEDED)
or, when the catalogue declares that the service still uses it, kept (FAILED, with the usage as
AWS reports it). Status reads therefore never see NOT_STARTED or IN_PROGRESS, which AWS shows
while its asynchronous task has not run yet, and a second request never finds an unfinished task
to return.
"""

from __future__ import annotations

import json
import uuid

from rolegate.catalog.quotas import ROLES
from rolegate.catalog.service_linked_roles import LinkedService, service_catalog
from rolegate.domain.arn import role_arn
from rolegate.domain.entities import Role
from rolegate.domain.errors import InvalidInput, NoSuchEntity
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.instance_profile import DeletionTask
from rolegate.domain.managed_policy import OwnerKind
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_account_quota
from rolegate.services.iam.policies.aws_managed import stored_policy
from rolegate.services.iam.protected_roles import SERVICE_ROLE_PATH_PREFIX, linked_service
from rolegate.services.iam.roles import DEFAULT_MAX_SESSION_DURATION, load_role, role_to_wire
from rolegate.store import Conflict

_TASK_PREFIX = "task" + SERVICE_ROLE_PATH_PREFIX  # task/aws-service-role/


def trust_policy(service_name: str) -> str:
    """The trust policy of a service-linked role: only its service may assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service_name},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        separators=(",", ":"),
    )


def create_service_linked_role(ctx: OperationContext, params: Params) -> Result:
    service_name = params["AWSServiceName"]
    entry = _known_service(service_name)
    suffix = params.get("CustomSuffix")
    if suffix is not None and not entry.custom_suffix_allowed:
        raise InvalidInput(f"Custom suffix is not allowed for {service_name}")
    name = entry.role_name if suffix is None else f"{entry.role_name}_{suffix}"
    path = f"{SERVICE_ROLE_PATH_PREFIX}{service_name}/"
    arn = role_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreateServiceLinkedRole", arn, context={"iam:AWSServiceName": service_name})
    role = Role(
        account_id=ctx.account_id,
        role_id=unique_id(IdPrefix.ROLE, ctx.rng),
        role_name=name,
        path=path,
        arn=arn,
        create_date=ctx.now,
        assume_role_policy_document=trust_policy(service_name),
        description=params.get("Description") or entry.description,
        max_session_duration=DEFAULT_MAX_SESSION_DURATION,
    )
    check_account_quota(ctx, ROLES, ctx.tx.roles.count)  # service-linked roles count too
    try:
        ctx.tx.roles.create(role)
    except Conflict:
        raise InvalidInput(
            f"Service role name {name} has been taken in this account,"
            " please try a different suffix."
        ) from None
    for policy_arn in entry.policy_arns:
        policy = stored_policy(ctx.tx, policy_arn)
        if policy is not None:  # the service attaches it; no attachability or quota rules
            ctx.tx.policy_attachments.attach(
                ctx.account_id, OwnerKind.ROLE, role.role_id, policy.policy_id
            )
    created = role_to_wire(role)
    del created["RoleLastUsed"]
    return {"Role": created}


def delete_service_linked_role(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:DeleteServiceLinkedRole")
    service = linked_service(role)
    if service is None:
        # The operation's only "not this" answer is NoSuchEntity: it finds no service-linked role.
        raise NoSuchEntity(f"The role with name {role.role_name} cannot be found.")
    if not ctx.tx.instance_profiles.lock_role(role.role_id):  # a concurrent deletion won
        raise NoSuchEntity(f"The role with name {role.role_name} cannot be found.")
    task_id = f"task{role.path}{role.role_name}/{uuid.UUID(int=ctx.rng.randrange(0, 1 << 128))}"
    entry = service_catalog().get(service)
    if entry is not None and entry.in_use:
        task = DeletionTask(
            deletion_task_id=task_id,
            account_id=ctx.account_id,
            role_id=role.role_id,
            status="FAILED",
            create_date=ctx.now,
            reason=f"The service-linked role {role.role_name} is in use by {service}.",
            role_usage=entry.in_use,
        )
    else:
        ctx.tx.policy_attachments.clear(OwnerKind.ROLE, role.role_id)
        ctx.tx.roles.delete(ctx.account_id, role.role_name)
        task = DeletionTask(
            deletion_task_id=task_id,
            account_id=ctx.account_id,
            role_id=role.role_id,
            status="SUCCEEDED",
            create_date=ctx.now,
        )
    ctx.tx.slr_deletion_tasks.create(task)
    return {"DeletionTaskId": task_id}


def get_service_linked_role_deletion_status(ctx: OperationContext, params: Params) -> Result:
    task_id = params["DeletionTaskId"]
    role_path_and_name = _role_of_task(task_id)
    ctx.authorize(
        "iam:GetServiceLinkedRoleDeletionStatus",
        f"arn:aws:iam::{ctx.account_id}:role/{role_path_and_name}",
    )
    task = ctx.tx.slr_deletion_tasks.get(ctx.account_id, task_id)
    if task is None:
        raise NoSuchEntity(f"Deletion task {task_id} cannot be found.")
    out: Result = {"Status": task.status}
    if task.reason is not None:
        out["Reason"] = {
            "Reason": task.reason,
            "RoleUsageList": [
                {"Region": usage.region, "Resources": list(usage.resources)}
                for usage in task.role_usage
            ],
        }
    return out


def _known_service(service_name: str) -> LinkedService:
    entry = service_catalog().get(service_name)
    if entry is None:
        raise InvalidInput(f"Invalid service name: {service_name}")
    return entry


def _role_of_task(task_id: str) -> str:
    """``task/aws-service-role/<service>/<role>/<uuid>`` -> the role's path and name."""
    parts = task_id.split("/")
    if not task_id.startswith(_TASK_PREFIX) or len(parts) != 5 or not all(parts):
        raise InvalidInput(f"Invalid deletion task id: {task_id}")
    return "/".join(parts[1:4])


HANDLERS: dict[str, Handler] = {
    "CreateServiceLinkedRole": create_service_linked_role,
    "DeleteServiceLinkedRole": delete_service_linked_role,
    "GetServiceLinkedRoleDeletionStatus": get_service_linked_role_deletion_status,
}
