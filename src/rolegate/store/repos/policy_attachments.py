"""Which principals (roles, users, groups) use which managed policies, and how: attached as a
permissions policy or set as permissions boundary
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).

A principal has at most a few attachments (10 by default, 20 at most:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), so its listing is read
whole; a policy may be used by thousands of principals, so ListEntitiesForPolicy pages by keyset
over the principals' own name indexes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Integer, Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from rolegate.domain.managed_policy import ManagedPolicy, OwnerKind, PolicyUsage
from rolegate.store.dialects import insert_ignoring_duplicates
from rolegate.store.errors import InvalidMarker
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.repos.managed_policies import policy_from_row
from rolegate.store.schema import metadata
from rolegate.store.schema_policies import (
    managed_policies,
    policy_attachments,
    policy_usage_counts,
)

_LISTING = "policy-entities"
_CounterStep = tuple[str, str, str, int]  # policy id, account id, usage, +1/-1
# ListEntitiesForPolicy answers groups, then roles, then users (each by case-folded name).
_ENTITY_ORDER = (OwnerKind.GROUP, OwnerKind.ROLE, OwnerKind.USER)


@dataclass(frozen=True, slots=True)
class PolicyEntity:
    kind: OwnerKind
    name: str
    entity_id: str


class PolicyAttachmentRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def attach(
        self,
        account_id: str,
        owner_kind: OwnerKind,
        owner_id: str,
        policy_id: str,
        usage: PolicyUsage = PolicyUsage.PERMISSIONS,
    ) -> bool:
        """Record the use; False if it was recorded already (attaching twice is no error)."""
        inserted = self._insert(account_id, owner_kind, owner_id, policy_id, usage)
        if inserted:
            self._count([(policy_id, account_id, usage.value, +1)])
        return inserted

    def _insert(
        self,
        account_id: str,
        owner_kind: OwnerKind,
        owner_id: str,
        policy_id: str,
        usage: PolicyUsage,
    ) -> bool:
        stmt = insert_ignoring_duplicates(policy_attachments, self._conn.dialect.name)
        values = {
            "owner_kind": owner_kind.value,
            "owner_id": owner_id,
            "usage": usage.value,
            "policy_id": policy_id,
            "account_id": account_id,
        }
        return bool(self._conn.execute(stmt, values).rowcount)

    def detach(
        self,
        owner_kind: OwnerKind,
        owner_id: str,
        policy_id: str,
        usage: PolicyUsage = PolicyUsage.PERMISSIONS,
    ) -> bool:
        a = policy_attachments
        removed = self._delete(
            delete(a).where(
                a.c.owner_kind == owner_kind.value,
                a.c.owner_id == owner_id,
                a.c.usage == usage.value,
                a.c.policy_id == policy_id,
            )
        )
        self._count(removed)
        return bool(removed)

    def set_boundary(
        self, account_id: str, owner_kind: OwnerKind, owner_id: str, policy_id: str | None
    ) -> None:
        """Make ``policy_id`` the principal's only boundary (None: remove the boundary)."""
        usage = PolicyUsage.BOUNDARY
        changes = self._delete(self._owner_rows(owner_kind, owner_id, usage))
        if policy_id is not None and self._insert(
            account_id, owner_kind, owner_id, policy_id, usage
        ):
            changes.append((policy_id, account_id, usage.value, +1))
        self._count(changes)

    def clear(self, owner_kind: OwnerKind, owner_id: str, usage: PolicyUsage | None = None) -> None:
        """Forget the principal's uses (of one kind, or all: when the principal is deleted)."""
        self._count(self._delete(self._owner_rows(owner_kind, owner_id, usage)))

    def _owner_rows(
        self, owner_kind: OwnerKind, owner_id: str, usage: PolicyUsage | None
    ) -> Delete:
        a = policy_attachments
        stmt = delete(a).where(a.c.owner_kind == owner_kind.value, a.c.owner_id == owner_id)
        return stmt if usage is None else stmt.where(a.c.usage == usage.value)

    def _delete(self, stmt: Delete) -> list[_CounterStep]:
        """Delete attachment rows; the counter steps that undo them."""
        a = policy_attachments
        rows = self._conn.execute(stmt.returning(a.c.policy_id, a.c.account_id, a.c.usage))
        return [(row.policy_id, row.account_id, row.usage, -1) for row in rows]

    def _count(self, steps: list[_CounterStep]) -> None:
        """Apply counter steps in (policy, account) order: transactions that change several
        counters lock them in the same order, so they cannot deadlock on PostgreSQL."""
        for policy_id, account_id, usage, step in sorted(steps):
            column = "attachments" if usage == PolicyUsage.PERMISSIONS.value else "boundaries"
            values: dict[str, str | int] = {"policy_id": policy_id, "account_id": account_id}
            values |= {"attachments": 0, "boundaries": 0, column: step}
            self._conn.execute(_counter_upsert(self._conn.dialect.name, column), values)

    def lock_owner(self, owner_kind: OwnerKind, owner_id: str) -> None:
        """Hold a row lock on the principal until the transaction ends (PostgreSQL
        ``FOR UPDATE``; SQLite's write transactions are serialised already)."""
        table = _owner_table(owner_kind)
        if table is not None:
            id_column = table.c[f"{owner_kind.value}_id"]
            self._conn.execute(select(id_column).where(id_column == owner_id).with_for_update())

    def count(
        self, owner_kind: OwnerKind, owner_id: str, usage: PolicyUsage = PolicyUsage.PERMISSIONS
    ) -> int:
        a = policy_attachments
        query = select(func.count()).where(
            a.c.owner_kind == owner_kind.value, a.c.owner_id == owner_id, a.c.usage == usage.value
        )
        return int(self._conn.execute(query).scalar_one())

    def attached(
        self, owner_kind: OwnerKind, owner_id: str, usage: PolicyUsage = PolicyUsage.PERMISSIONS
    ) -> list[ManagedPolicy]:
        """The policies the principal uses that way, by (case-folded name, account)."""
        a, p = policy_attachments, managed_policies
        rows = self._conn.execute(
            select(p)
            .join(a, a.c.policy_id == p.c.policy_id)
            .where(
                a.c.owner_kind == owner_kind.value,
                a.c.owner_id == owner_id,
                a.c.usage == usage.value,
            )
            .order_by(p.c.name_key, p.c.account_id)
        )
        return [policy_from_row(row, ()) for row in rows]

    def entities(
        self,
        policy_id: str,
        account_id: str,
        *,
        kinds: tuple[OwnerKind, ...] = _ENTITY_ORDER,
        usage: PolicyUsage | None = None,
        path_prefix: str = "/",
        marker: str | None,
        max_items: int,
    ) -> Page[PolicyEntity]:
        """ListEntitiesForPolicy: the principals of ``account_id`` that use the policy (any
        usage unless ``usage`` is given): groups, then roles, then users, each kind in the order
        of its ids. Each page reads ranges of ``ix_policy_attachments_policy`` in index order,
        so its cost does not grow with the number of principals."""
        check_max_items(max_items)
        after_kind, after_id = None, None
        if marker is not None:
            after_kind, _, after_id = decode_marker(_LISTING, marker).partition("\n")
            if after_kind not in {k.value for k in _ENTITY_ORDER} or not after_id:
                raise InvalidMarker(marker)
        usages = (usage,) if usage is not None else tuple(PolicyUsage)
        found: list[tuple[OwnerKind, Any]] = []
        for kind in _ENTITY_ORDER:
            table = _owner_table(kind)
            if kind not in kinds or table is None or len(found) > max_items:
                continue
            if after_kind is not None and _ENTITY_ORDER.index(kind) < _ENTITY_ORDER.index(
                OwnerKind(after_kind)
            ):
                continue
            after = after_id if kind.value == after_kind else None
            limit = max_items + 1 - len(found)
            rows: dict[str, Any] = {}
            for one_usage in usages:  # an owner using the policy both ways is listed once
                query = entity_page_query(
                    table, kind, policy_id, account_id, one_usage, path_prefix, after
                )
                # The limit and the policy id are written into the statement: PostgreSQL then
                # plans each page for its own policy (an index walk that stops after the page)
                # instead of reusing a generic plan that sorts every user of the policy.
                page_limit = bindparam("page_limit", limit, type_=Integer(), literal_execute=True)
                for row in self._conn.execute(query.limit(page_limit)):
                    rows.setdefault(row.entity_id, row)
            found.extend((kind, rows[key]) for key in sorted(rows)[:limit])
        truncated = len(found) > max_items
        found = found[:max_items]
        items = [PolicyEntity(kind, row.name, row.entity_id) for kind, row in found]
        next_marker = None
        if truncated:
            kind, row = found[-1]
            next_marker = encode_marker(_LISTING, f"{kind.value}\n{row.entity_id}")
        return Page(items, next_marker)


@functools.cache
def _counter_upsert(dialect_name: str, column: str) -> Insert:
    """``INSERT … ON CONFLICT (policy_id, account_id) DO UPDATE SET column = column + step``."""
    t = policy_usage_counts
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    stmt = insert(t)
    return stmt.on_conflict_do_update(
        index_elements=[t.c.policy_id, t.c.account_id],
        set_={column: t.c[column] + stmt.excluded[column]},
    )


def _owner_table(kind: OwnerKind) -> Table | None:
    """The principals' table (``roles``, ``users``, ``groups``) once its family exists."""
    return metadata.tables.get(f"{kind.value}s")


def entity_page_query(
    table: Table,
    kind: OwnerKind,
    policy_id: str,
    account_id: str,
    usage: PolicyUsage,
    path_prefix: str,
    after: str | None,
) -> Any:
    """Owners of one kind using the policy one way, by owner id, with their names."""
    a = policy_attachments
    id_column, name_column = table.c[f"{kind.value}_id"], table.c[f"{kind.value}_name"]
    query = (
        select(name_column.label("name"), a.c.owner_id.label("entity_id"))
        .select_from(a.join(table, id_column == a.c.owner_id))
        .where(
            a.c.policy_id == bindparam("policy_id", policy_id, literal_execute=True),
            a.c.account_id == account_id,
            a.c.usage == usage.value,
            a.c.owner_kind == kind.value,
        )
    )
    if path_prefix != "/":
        query = query.where(func.substr(table.c.path, 1, len(path_prefix)) == path_prefix)
    if after is not None:
        # Said of both sides of the join, so PostgreSQL can start both index scans at the marker.
        query = query.where(a.c.owner_id > after, id_column > after)
    return query.order_by(a.c.owner_id)
