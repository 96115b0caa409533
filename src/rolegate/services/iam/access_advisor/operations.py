"""GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
GetServiceLastAccessedDetailsWithEntities and ListPoliciesGrantingServiceAccess
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html).

Generate builds the report at once, from the uses rolegate recorded, so a job is COMPLETED by the
time its id is answered (IN_PROGRESS is never seen). Only the principal that generated a report
may read it: the same user, or the same role from any of its sessions (AWS's rule).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

from rolegate.domain.entities import Role, User
from rolegate.domain.errors import InvalidInput, NoSuchEntity
from rolegate.domain.last_accessed import LastAccessedJob
from rolegate.domain.managed_policy import PolicyUsage, split_policy_arn
from rolegate.services._pagination import page_by_position
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.access_advisor.grants import granted
from rolegate.services.iam.access_advisor.report import (
    Principal,
    build_report,
    entities_from,
    services_from,
)
from rolegate.services.iam.groups import load_group, no_such_group
from rolegate.services.iam.policies.managed import load_policy
from rolegate.services.iam.roles import load_role
from rolegate.services.iam.simulator.inputs import iam_entity
from rolegate.services.iam.simulator.sources import stored_policy
from rolegate.services.iam.users import load_user, no_such_user

PAGE = 1000  # principals read per page when following a group or a policy
# unverified wordings
INVALID_ARN = "Invalid Entity Arn: {arn} does not clearly define entity type and name."
NO_SUCH_JOB = "The report with job id {job_id} cannot be found."


@dataclass(frozen=True, slots=True)
class Target:
    """What a report or listing is about: its permissions policies as (source id, text) and
    the principals it covers."""

    policies: list[tuple[str, str]]
    principals: list[Principal]


def _user(user: User) -> Principal:
    return Principal(user.arn, user.user_name, "USER", user.user_id, user.path)


def _role(role: Role) -> Principal:
    return Principal(role.arn, role.role_name, "ROLE", role.role_id, role.path)


def _members(ctx: OperationContext, group_id: str) -> Iterator[Principal]:
    marker = None
    while True:
        page = ctx.tx.groups.members(group_id, marker=marker, max_items=PAGE)
        yield from (_user(u) for u in page.items)
        if page.next_marker is None:
            return
        marker = page.next_marker


def load_target(ctx: OperationContext, arn: str, action: str, *, policies: bool) -> Target:
    """The user, group, role or (``policies``) managed policy ``arn`` names, once the caller may
    perform ``action`` on it."""
    entity = iam_entity(arn)
    tx = ctx.tx
    if entity is not None and entity.kind == "user":
        user = load_user(ctx, entity.name, action)
        if user.arn != arn:
            raise no_such_user(entity.name)
        return Target(tx.identity_policies.of_user(user.user_id, user.arn), [_user(user)])
    if entity is not None and entity.kind == "role":
        role = load_role(ctx, entity.name, action)
        if role.arn != arn:
            raise NoSuchEntity(f"The role with name {entity.name} cannot be found.")
        return Target(tx.identity_policies.of_role(role.role_id, role.arn), [_role(role)])
    if entity is not None and entity.kind == "group":
        group = load_group(ctx, entity.name, action)
        if group.arn != arn:
            raise no_such_group(entity.name)
        found = tx.identity_policies.of_group(group.group_id, group.arn)
        return Target(found, list(_members(ctx, group.group_id)))
    if policies and split_policy_arn(arn) is not None:
        policy = load_policy(ctx, arn, action)
        text = tx.managed_policies.policy_document(policy.arn) or "{}"
        return Target([(policy.arn, text)], _policy_principals(ctx, policy.policy_id))
    raise InvalidInput(INVALID_ARN.format(arn=arn))


def _policy_principals(ctx: OperationContext, policy_id: str) -> list[Principal]:
    """Every user and role the policy is attached to as a permissions policy, directly or
    through a group, each once."""
    found: dict[str, Principal] = {}
    marker = None
    while True:
        page = ctx.tx.policy_attachments.entities(
            policy_id,
            ctx.account_id,
            usage=PolicyUsage.PERMISSIONS,
            marker=marker,
            max_items=PAGE,
        )
        for entity in page.items:
            kind = entity.kind.value.lower()
            if kind == "user" and (user := ctx.tx.users.get_by_id(entity.entity_id)):
                found.setdefault(user.user_id, _user(user))
            elif kind == "role" and (role := ctx.tx.roles.get_by_id(entity.entity_id)):
                found.setdefault(role.role_id, _role(role))
            elif kind == "group":
                for member in _members(ctx, entity.entity_id):
                    found.setdefault(member.unique_id, member)
        if page.next_marker is None:
            return list(found.values())
        marker = page.next_marker


def _requester(ctx: OperationContext) -> str:
    """Who may read a report: a role session's role, else the caller itself."""
    role = ctx.caller.role
    if ctx.caller.principal_type == "role_session" and role is not None:
        return role.arn
    return ctx.caller.arn


def generate_service_last_accessed_details(ctx: OperationContext, params: Params) -> Result:
    arn = params["Arn"]
    target = load_target(ctx, arn, "iam:GenerateServiceLastAccessedDetails", policies=True)
    granularity = params.get("Granularity") or "SERVICE_LEVEL"
    uses = ctx.tx.last_accessed.for_principals([p.unique_id for p in target.principals])
    report = build_report(
        [text for _, text in target.policies],
        target.principals,
        uses,
        action_level=granularity == "ACTION_LEVEL",
    )
    job = LastAccessedJob(
        job_id=str(uuid.UUID(int=ctx.rng.randrange(0, 2**128), version=4)),
        account_id=ctx.account_id,
        requester_arn=_requester(ctx),
        entity_arn=arn,
        granularity=granularity,
        creation_date=ctx.now,
    )
    ctx.tx.last_accessed.create_job(job)
    ctx.tx.last_accessed.complete_job(replace(job, completion_date=ctx.now, report_json=report))
    return {"JobId": job.job_id}


def _job(ctx: OperationContext, params: Params, action: str) -> LastAccessedJob:
    ctx.authorize(action, "*")
    job = ctx.tx.last_accessed.get_job(params["JobId"])
    if job is None or job.account_id != ctx.account_id or job.requester_arn != _requester(ctx):
        raise NoSuchEntity(NO_SUCH_JOB.format(job_id=params["JobId"]))
    return job


def _status(job: LastAccessedJob) -> Result:
    out: Result = {"JobStatus": "IN_PROGRESS", "JobCreationDate": job.creation_date}
    if job.completion_date is not None:
        out |= {"JobStatus": "COMPLETED", "JobCompletionDate": job.completion_date}
    return out


def get_service_last_accessed_details(ctx: OperationContext, params: Params) -> Result:
    job = _job(ctx, params, "iam:GetServiceLastAccessedDetails")
    services = services_from(job.report_json) if job.report_json else []
    page = page_by_position(services, "ServicesLastAccessed", params)
    return {**_status(job), "JobType": job.granularity, **page}


def get_service_last_accessed_details_with_entities(
    ctx: OperationContext, params: Params
) -> Result:
    job = _job(ctx, params, "iam:GetServiceLastAccessedDetailsWithEntities")
    namespace = params["ServiceNamespace"]
    entities = entities_from(job.report_json, namespace) if job.report_json else []
    return {**_status(job), **page_by_position(entities, "EntityDetailsList", params)}


def list_policies_granting_service_access(ctx: OperationContext, params: Params) -> Result:
    target = load_target(
        ctx, params["Arn"], "iam:ListPoliciesGrantingServiceAccess", policies=False
    )
    out = []
    for namespace in params["ServiceNamespaces"]:
        wanted = {namespace.lower()}
        policies = []
        for source_id, text in target.policies:
            if not granted([text], wanted):
                continue
            found = stored_policy(source_id, text)
            if found.managed_arn is not None:
                policies.append(
                    {
                        "PolicyName": found.policy_id,
                        "PolicyType": "MANAGED",
                        "PolicyArn": found.managed_arn,
                    }
                )
            elif found.owner is not None:
                policies.append(
                    {
                        "PolicyName": found.policy_id,
                        "PolicyType": "INLINE",
                        "EntityType": found.owner.kind.upper(),
                        "EntityName": found.owner.name,
                    }
                )
        out.append({"ServiceNamespace": namespace, "Policies": policies})
    return {"PoliciesGrantingServiceAccess": out, "IsTruncated": False}


HANDLERS: dict[str, Handler] = {
    "GenerateServiceLastAccessedDetails": generate_service_last_accessed_details,
    "GetServiceLastAccessedDetails": get_service_last_accessed_details,
    "GetServiceLastAccessedDetailsWithEntities": get_service_last_accessed_details_with_entities,
    "ListPoliciesGrantingServiceAccess": list_policies_granting_service_access,
}
