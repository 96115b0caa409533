"""The entity a simulation reads its policies from (``PolicySourceArn``) and the principal it
simulates (that entity, or ``CallerArn``)."""

from __future__ import annotations

from dataclasses import dataclass

from rolegate.domain.errors import NoSuchEntity
from rolegate.policy import Principal
from rolegate.services.context import OperationContext
from rolegate.services.iam.groups import no_such_group
from rolegate.services.iam.simulator.inputs import IamEntity
from rolegate.services.iam.simulator.sources import SourcePolicy, stored_policy
from rolegate.services.iam.users import no_such_user


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store holds for a ``PolicySourceArn``: its permissions policies, its boundary,
    its unique id."""

    identity: list[SourcePolicy]
    boundary: SourcePolicy | None
    unique_id: str


def load_source(ctx: OperationContext, source: IamEntity) -> Stored:
    """The entity ``source`` names, as the store holds it; NoSuchEntity if it does not exist
    (or exists under another path)."""
    tx = ctx.tx
    if source.kind == "user":
        user = tx.users.get(source.account, source.name)
        if user is None or user.arn != source.arn:
            raise no_such_user(source.name)
        found = tx.identity_policies.of_user(user.user_id, user.arn)
        return Stored(
            [stored_policy(*p) for p in found],
            _boundary(ctx, user.permissions_boundary_arn),
            user.user_id,
        )
    if source.kind == "role":
        role = tx.roles.get(source.account, source.name)
        if role is None or role.arn != source.arn:
            raise NoSuchEntity(f"The role with name {source.name} cannot be found.")
        found = tx.identity_policies.of_role(role.role_id, role.arn)
        return Stored(
            [stored_policy(*p) for p in found],
            _boundary(ctx, role.permissions_boundary_arn),
            role.role_id,
        )
    group = tx.groups.get(source.account, source.name)
    if group is None or group.arn != source.arn:
        raise no_such_group(source.name)
    found = tx.identity_policies.of_group(group.group_id, group.arn)
    return Stored([stored_policy(*p) for p in found], None, group.group_id)


def _boundary(ctx: OperationContext, arn: str | None) -> SourcePolicy | None:
    if arn is None:
        return None
    text = ctx.tx.managed_policies.policy_document(arn)
    return None if text is None else stored_policy(arn, text)


def simulated_principal(
    ctx: OperationContext, entity: IamEntity | None, unique_id: str | None
) -> Principal:
    """The simulated caller: a user (or a group, standing for its members), a role as one of its
    sessions; without one, an unnamed IAM user of the caller's account."""
    if entity is None:
        return Principal(
            type="user", arn=f"arn:aws:iam::{ctx.account_id}:user/", account=ctx.account_id
        )
    if entity.kind == "role":
        return Principal(
            type="role_session",
            arn=entity.arn,
            account=entity.account,
            role_arn=entity.arn,
            id=unique_id,
            unique_id=unique_id,
        )
    return Principal(
        type="user", arn=entity.arn, account=entity.account, id=unique_id, unique_id=unique_id
    )


def caller_id(ctx: OperationContext, entity: IamEntity) -> str | None:
    """The unique id of the ``CallerArn`` entity, None if this server does not hold it."""
    if entity.kind == "user":
        user = ctx.tx.users.get(entity.account, entity.name)
        return user.user_id if user is not None and user.arn == entity.arn else None
    if entity.kind == "role":
        role = ctx.tx.roles.get(entity.account, entity.name)
        return role.role_id if role is not None and role.arn == entity.arn else None
    group = ctx.tx.groups.get(entity.account, entity.name)
    return group.group_id if group is not None and group.arn == entity.arn else None
