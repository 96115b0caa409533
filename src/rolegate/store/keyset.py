"""The keyset page of a principal table (roles, users, groups): one account's rows whose path
starts with a prefix, after a case-folded name, in name order, at most ``limit`` of them.

Buys query construction and result handling on every listing page (figures:
docs/benchmarks.md, ``bench/account_listing.py``).

The statement is built once per table and shape of page (path filter or not, marker or not)
with every value bound, and runs as a :class:`Prepared` statement on the driver's cursor: a
listing page pays neither query construction nor SQLAlchemy's result machinery (rows are named
tuples, their attributes cheap). The plan is a range scan of the table's unique
``(account_id, name_key)`` index, no OFFSET and no sort step.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, Select, String, Table, bindparam, func, select

from rolegate.store.prepared import Prepared


def page_statement(
    table: Table, account_id: str, path_prefix: str, *, after: str | None, limit: int
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement of a page and the values to run it with."""
    params = {
        "account_id": account_id,
        "prefix": path_prefix,
        "prefix_length": len(path_prefix),
        "after": after,
        "limit": limit,
    }
    return _statement(table, path_prefix != "/", after is not None), params


def page_rows(
    conn: Any, table: Table, account_id: str, path_prefix: str, *, after: str | None, limit: int
) -> list[Any]:
    """The rows of a page (every column of ``table``, in table order)."""
    statement, params = page_statement(table, account_id, path_prefix, after=after, limit=limit)
    return _prepared(statement).all(conn, params)


@functools.cache
def _statement(table: Table, by_prefix: bool, after: bool) -> Select[Any]:
    c = table.c
    query = select(table).where(c.account_id == bindparam("account_id"))
    if by_prefix:
        length = bindparam("prefix_length", type_=Integer())
        query = query.where(func.substr(c.path, 1, length) == bindparam("prefix", type_=String()))
    if after:
        query = query.where(c.name_key > bindparam("after"))
    return query.order_by(c.name_key).limit(bindparam("limit", type_=Integer()))


@functools.cache
def _prepared(statement: Select[Any]) -> Prepared:
    return Prepared(statement)
