"""``in_ids``: a list of ids bound as one value finds exactly those rows, through the index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from store_helpers import make_role

from rolegate.store import Store
from rolegate.store.id_lists import in_ids
from rolegate.store.lazy import real_connection
from rolegate.store.schema import roles

_BY_IDS = select(roles.c.role_name).where(in_ids(roles.c.role_id)).order_by(roles.c.name_key)


def _fill(store: Store, count: int) -> list[str]:
    ids = []
    with store.transaction() as tx:
        for i in range(count):
            role = make_role(f"role{i:03d}")
            tx.roles.create(role)
            ids.append(role.role_id)
    return ids


def test_finds_exactly_the_listed_ids(store: Store) -> None:
    ids = _fill(store, 30)
    wanted = [ids[3], ids[17], "AROA'\"\\ünknown", ids[3]]
    with store.transaction(write=False) as tx:
        names = tx.connection.execute(_BY_IDS, {"ids": wanted}).scalars().all()
        nothing = tx.connection.execute(_BY_IDS, {"ids": []}).scalars().all()
    assert names == ["role003", "role017"]
    assert nothing == []


def test_ids_with_characters_that_array_and_json_syntax_give_meaning_to(store: Store) -> None:
    odd = ["a,b", "{c}", 'd"e', "f\\g", " h ", "NULL", "ü"]
    with store.transaction() as tx:
        for i, role_id in enumerate(odd):
            tx.roles.create(make_role(f"odd{i}", role_id=role_id))
        tx.roles.create(make_role("plain", role_id="a"))
    with store.transaction(write=False) as tx:
        names = tx.connection.execute(_BY_IDS, {"ids": odd}).scalars().all()
    assert names == [f"odd{i}" for i in range(len(odd))]


def test_probes_the_primary_key(store: Store) -> None:
    ids = _fill(store, 30)
    with store.transaction(write=False) as tx, _explained(real_connection(tx.connection)) as plan:
        tx.connection.execute(_BY_IDS, {"ids": ids[:5]}).all()
    text = "\n".join(plan)
    if store.dialect_name == "sqlite":
        assert "SEARCH roles USING INDEX" in text and "SCAN roles" not in text, text
    else:
        assert "Index Scan" in text or "Bitmap Index Scan" in text, text


@contextmanager
def _explained(conn: Connection) -> Iterator[list[str]]:
    """Statements run inside are EXPLAINed instead (tiny tables: PostgreSQL told to use indexes)."""
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    plan: list[str] = []

    def explain(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> Any:
        return prefix + statement, parameters

    def collect(_c: Any, cursor: Any, *_: Any) -> None:
        plan.extend(str(row[-1]) for row in cursor.fetchall())

    event.listen(conn, "before_cursor_execute", explain, retval=True)
    event.listen(conn, "after_cursor_execute", collect)
    try:
        yield plan
    finally:
        event.remove(conn, "before_cursor_execute", explain)
        event.remove(conn, "after_cursor_execute", collect)
