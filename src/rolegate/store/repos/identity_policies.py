"""Every permissions policy of one user or role, read in one statement.

The policy engine needs them on each request a user or role session signs, and on AssumeRole for the
caller (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
the principal's inline policies, its attached managed policies (their default versions) and, for a
user, the inline and attached policies of each of its groups
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html). Read one kind at a time they cost
four round trips on PostgreSQL for a user, two for a role; here they are one ``UNION ALL``, in this
order:

1. the principal's inline policies, by case-folded name;
2. its attached managed policies, by case-folded name, then account;
3. (users) group by group, by case-folded group name: the group's inline policies, then its
   attached managed policies, each in the orders above.

Each policy comes with its source id for the decision's reasons: ``OWNER_ARN/POLICY_NAME`` for
an inline policy, the policy ARN for a managed one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from rolegate.domain.managed_policy import OwnerKind, PolicyUsage
from rolegate.store.prepared import Prepared
from rolegate.store.schema import role_policies, user_policies
from rolegate.store.schema_groups import group_members, group_policies, groups
from rolegate.store.schema_policies import managed_policies, policy_attachments, policy_versions

# (source id, document), as the services name policies
SourcePolicy = tuple[str, str]

# Columns of every part: where it sorts (part, group, inline before attached, name, account),
# the ARN that names it (an inline policy's owner if a group, else the policy's), the inline
# policy's name, the document.
_COLUMNS = ("part", "group_key", "kind", "name_key", "account", "arn", "policy_name", "document")
_PRINCIPAL, _ATTACHED, _GROUPS = 0, 1, 2
_INLINE_KIND, _MANAGED_KIND = 0, 1


def _row(*cells: Any) -> list[ColumnElement[Any]]:
    return [cell.label(name) for cell, name in zip(cells, _COLUMNS, strict=True)]


def _int(value: int) -> ColumnElement[Any]:
    """A constant written into the SQL (typed, so both backends agree on the union's types)."""
    return cast(literal_column(str(int(value))), Integer())


def _empty_text() -> ColumnElement[Any]:
    """``''`` as a typed column, for the sort keys a part does not have."""
    return cast(literal_column("''"), String())


def _no_text() -> ColumnElement[Any]:
    """NULL as a typed column, for the ARN or policy name a part does not have."""
    return cast(null(), String())


def _managed_row(part: ColumnElement[Any], group_key: ColumnElement[Any]) -> list[Any]:
    """The columns of an attached managed policy (sorted by name, then account)."""
    return _row(
        part,
        group_key,
        _int(_MANAGED_KIND),
        managed_policies.c.name_key,
        managed_policies.c.account_id,
        managed_policies.c.arn,
        _no_text(),
        policy_versions.c.document,
    )


def _default_version() -> Any:
    return and_(
        policy_versions.c.policy_id == managed_policies.c.policy_id,
        policy_versions.c.version == managed_policies.c.default_version,
    )


def _permissions_of(owner_kind: OwnerKind, owner_id: ColumnElement[Any]) -> Any:
    """The attachments of managed policies as permissions policies of the owner."""
    return and_(
        policy_attachments.c.owner_kind == owner_kind.value,
        policy_attachments.c.owner_id == owner_id,
        policy_attachments.c.usage == PolicyUsage.PERMISSIONS.value,
    )


def _with_documents(attachments: Any) -> Any:
    """``attachments`` joined to their managed policies and those policies' default versions."""
    return attachments.join(
        managed_policies, managed_policies.c.policy_id == policy_attachments.c.policy_id
    ).join(policy_versions, _default_version())


def _own_parts(inline_table: Any, owner_kind: OwnerKind) -> list[Select[Any]]:
    """The principal's own inline and attached policies."""
    owner = bindparam("owner_id", type_=String())
    inline = select(
        *_row(
            _int(_PRINCIPAL),
            _empty_text(),
            _int(_INLINE_KIND),
            inline_table.c.name_key,
            _empty_text(),
            _no_text(),
            inline_table.c.policy_name,
            inline_table.c.policy_document,
        )
    ).where(inline_table.c.owner_id == owner)
    attached = (
        select(*_managed_row(_int(_ATTACHED), _empty_text()))
        .select_from(_with_documents(policy_attachments))
        .where(_permissions_of(owner_kind, owner))
    )
    return [inline, attached]


def _group_parts() -> list[Select[Any]]:
    """The inline and attached policies of every group the user (``owner_id``) is in."""
    member = group_members.c.user_id == bindparam("owner_id", type_=String())
    in_groups = group_members.join(groups, groups.c.group_id == group_members.c.group_id)
    inline = (
        select(
            *_row(
                _int(_GROUPS),
                groups.c.name_key,
                _int(_INLINE_KIND),
                group_policies.c.name_key,
                _empty_text(),
                groups.c.arn,
                group_policies.c.policy_name,
                group_policies.c.policy_document,
            )
        )
        .select_from(in_groups.join(group_policies, group_policies.c.owner_id == groups.c.group_id))
        .where(member)
    )
    attached = (
        select(*_managed_row(_int(_GROUPS), groups.c.name_key))
        .select_from(
            _with_documents(
                in_groups.join(
                    policy_attachments, _permissions_of(OwnerKind.GROUP, groups.c.group_id)
                )
            )
        )
        .where(member)
    )
    return [inline, attached]


def _in_order(parts: list[Select[Any]]) -> Any:
    union = union_all(*parts)
    return union.order_by(*(union.selected_columns[name] for name in _COLUMNS[:5]))


_OF_USER = Prepared(_in_order(_own_parts(user_policies, OwnerKind.USER) + _group_parts()))
_OF_ROLE = Prepared(_in_order(_own_parts(role_policies, OwnerKind.ROLE)))
_OF_GROUP = Prepared(_in_order(_own_parts(group_policies, OwnerKind.GROUP)))


class IdentityPolicyRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def of_user(self, user_id: str, user_arn: str) -> list[SourcePolicy]:
        return _sources(_OF_USER.all(self._conn, {"owner_id": user_id}), user_arn)

    def of_role(self, role_id: str, role_arn: str) -> list[SourcePolicy]:
        return _sources(_OF_ROLE.all(self._conn, {"owner_id": role_id}), role_arn)

    def of_group(self, group_id: str, group_arn: str) -> list[SourcePolicy]:
        """A group's own inline and attached policies (the policy simulator's group source)."""
        return _sources(_OF_GROUP.all(self._conn, {"owner_id": group_id}), group_arn)


def _sources(rows: list[Any], owner_arn: str) -> list[SourcePolicy]:
    found = []
    for row in rows:
        if row.policy_name is None:  # managed: named by its ARN
            found.append((row.arn, row.document))
        else:  # inline: named under its owner, the principal or one of its groups
            found.append((f"{row.arn or owner_arn}/{row.policy_name}", row.document))
    return found
