"""Inline policies of one owner kind (roles today; users and groups reuse it with their table).

Names: IAM documents inline policy names only as "unique to the user, group, or role they are
embedded in" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html) without
the explicit "not distinguished by case" note it gives entity names. We treat them like every other
IAM name: unique and looked up case-insensitively, listed in case-folded order; a put under a name
differing only in case replaces the document and keeps the name first stored.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, select
from sqlalchemy.engine import Connection

from rolegate.domain.entities import InlinePolicy
from rolegate.store.dialects import upsert
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.prepared import Prepared, prepared
from rolegate.store.types import name_key


class InlinePolicyRepo:
    def __init__(self, conn: Connection, table: Table) -> None:
        self._conn = conn
        self._table = table
        self._listing = table.name

    def put(self, owner_id: str, policy: InlinePolicy) -> None:
        """Insert, or replace the document of the policy with the same (case-folded) name."""
        values = {
            "owner_id": owner_id,
            "name_key": name_key(policy.policy_name),
            "policy_name": policy.policy_name,
            "policy_document": policy.policy_document,
        }
        stmt = upsert(
            self._table, self._conn.dialect.name, ("owner_id", "name_key"), ("policy_document",)
        )
        prepared(stmt).run(self._conn, values)

    def get(self, owner_id: str, policy_name: str) -> InlinePolicy | None:
        t = self._table
        row = self._conn.execute(
            select(t.c.policy_name, t.c.policy_document).where(
                t.c.owner_id == owner_id, t.c.name_key == name_key(policy_name)
            )
        ).first()
        return None if row is None else _policy(row)

    def list_names(self, owner_id: str, *, marker: str | None, max_items: int) -> Page[str]:
        check_max_items(max_items)
        after = None if marker is None else decode_marker(self._listing, marker)
        query = name_page_query(self._table, owner_id, after=after, limit=max_items + 1)
        rows = self._conn.execute(query).all()
        if len(rows) <= max_items:
            return Page([row.policy_name for row in rows], None)
        page = rows[:max_items]
        return Page(
            [row.policy_name for row in page], encode_marker(self._listing, page[-1].name_key)
        )

    def list_all(self, owner_id: str) -> list[InlinePolicy]:
        """Every inline policy of the owner, in listing order (for quota checks and evaluation)."""
        rows = _list_all_statement(self._table).all(self._conn, {"owner_id": owner_id})
        return [_policy(row) for row in rows]

    def delete(self, owner_id: str, policy_name: str) -> bool:
        t = self._table
        result = self._conn.execute(
            delete(t).where(t.c.owner_id == owner_id, t.c.name_key == name_key(policy_name))
        )
        return result.rowcount > 0

    def count(self, owner_id: str) -> int:
        t = self._table
        query = select(func.count()).select_from(t).where(t.c.owner_id == owner_id)
        return int(self._conn.execute(query).scalar_one())


@functools.cache
def _list_all_statement(t: Table) -> Prepared:
    """Built once per table: the policy engine reads every inline policy on each request."""
    return Prepared(
        select(t.c.policy_name, t.c.policy_document)
        .where(t.c.owner_id == bindparam("owner_id"))
        .order_by(t.c.name_key)
    )


def name_page_query(table: Table, owner_id: str, *, after: str | None, limit: int) -> Select[Any]:
    """Keyset page on the primary key (owner_id, name_key)."""
    query = select(table.c.policy_name, table.c.name_key).where(table.c.owner_id == owner_id)
    if after is not None:
        query = query.where(table.c.name_key > after)
    return query.order_by(table.c.name_key).limit(limit)


def _policy(row: Any) -> InlinePolicy:
    return InlinePolicy(policy_name=row.policy_name, policy_document=row.policy_document)
