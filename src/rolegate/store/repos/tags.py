"""Tags of one owner kind (a table built by ``schema.tag_table``), order preserved."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Tag
from rolegate.store.id_lists import in_ids
from rolegate.store.prepared import Prepared


class WithTags:
    """Lookups of one entity kind (a table with ``account_id`` and ``name_key`` columns) together
    with its tags in one round trip: a row per tag (one row with NULL tag columns when it has
    none), in tag order. ``by_name`` binds ``account_id`` and ``name_key``, ``by_id`` the id
    column's own name."""

    def __init__(self, table: Table, tag_table: Table, id_column: str) -> None:
        joined = (
            select(table, tag_table.c.tag_key, tag_table.c.tag_value)
            .select_from(table.outerjoin(tag_table, tag_table.c.owner_id == table.c[id_column]))
            .order_by(tag_table.c.position)
        )
        self.by_name = Prepared(
            joined.where(
                table.c.account_id == bindparam("account_id"),
                table.c.name_key == bindparam("name_key"),
            )
        )
        self.by_id = Prepared(joined.where(table.c[id_column] == bindparam(id_column)))

    @staticmethod
    def split(rows: Sequence[Any]) -> tuple[Any, tuple[Tag, ...]] | None:
        """(the first row: the entity's own columns first, then tag columns; the tags) of the
        rows of a lookup; None when there are none."""
        if not rows:
            return None
        return rows[0], tuple(Tag(r.tag_key, r.tag_value) for r in rows if r.tag_key is not None)


@functools.cache
def _tags_of(table: Table) -> Select[tuple[str, str]]:
    return (
        select(table.c.tag_key, table.c.tag_value)
        .where(table.c.owner_id == bindparam("owner_id"))
        .order_by(table.c.position)
    )


@functools.cache
def _tags_of_many(table: Table) -> Prepared:
    return Prepared(
        select(table.c.owner_id, table.c.tag_key, table.c.tag_value)
        .where(in_ids(table.c.owner_id))
        .order_by(table.c.owner_id, table.c.position)
    )


class TagStore:
    def __init__(self, conn: Connection, table: Table) -> None:
        self._conn = conn
        self._table = table

    def replace(self, owner_id: str, tags: Sequence[Tag]) -> None:
        t = self._table
        self._conn.execute(delete(t).where(t.c.owner_id == owner_id))
        if tags:
            self._conn.execute(
                insert(t),
                [
                    {"owner_id": owner_id, "position": i, "tag_key": k.key, "tag_value": k.value}
                    for i, k in enumerate(tags)
                ],
            )

    def of(self, owner_id: str) -> tuple[Tag, ...]:
        rows = self._conn.execute(_tags_of(self._table), {"owner_id": owner_id})
        return tuple(Tag(row.tag_key, row.tag_value) for row in rows)

    def of_many(self, owner_ids: Iterable[str]) -> dict[str, tuple[Tag, ...]]:
        """Tags of several owners in one query (owners without tags are absent)."""
        ids = list(owner_ids)
        if not ids:
            return {}
        found: dict[str, list[Tag]] = {}
        for owner_id, key, value in _tags_of_many(self._table).all(self._conn, {"ids": ids}):
            found.setdefault(owner_id, []).append(Tag(key, value))
        return {owner: tuple(tags) for owner, tags in found.items()}
