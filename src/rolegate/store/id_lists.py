"""``column IN (ids)`` with the whole list bound as one parameter.

Buys the per-id binding and SQL rewriting of a listing page's detail reads (figures:
docs/benchmarks.md, ``bench/account_listing.py``).

A listing page reads the details of its entities by id, 100 at a time. SQLAlchemy's expanding
``IN`` binds one parameter per id and rewrites the statement's SQL text on every execution, so
here the list travels as a single text value instead: a JSON array read with ``json_each`` on
SQLite, an array literal (``{"a","b"}``) cast to ``text[]`` and compared with ``= ANY`` on
PostgreSQL (text, because psycopg adapts a Python list item by item, which costs more than the
rest of such a query). Both plans probe the column's index once per id, as ``IN`` does, and the
statement is the same object on both backends (build it once, execute it with
``{name: [ids]}``); they can run as ``Prepared`` statements, which expanding lists cannot.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, String, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator


class IdList(TypeDecorator[Sequence[str]]):
    """A list of ids as one text value: a JSON array on SQLite, an array literal on PostgreSQL
    (which the statement casts to ``text[]``)."""

    impl = String()
    cache_ok = True

    def process_bind_param(self, value: Sequence[str] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return array_literal(value)
        return json.dumps(list(value))


def array_literal(items: Sequence[str]) -> str:
    """PostgreSQL's text form of a ``text[]``: every item double-quoted (commas, braces and
    spaces are then plain characters), with ``"`` and ``\\`` escaped by a backslash."""
    if not items:
        return "{}"
    joined = '","'.join(items)
    if joined.count('"') != 2 * (len(items) - 1) or "\\" in joined:  # rare: escape each item
        joined = '","'.join(i.replace("\\", "\\\\").replace('"', '\\"') for i in items)
    return '{"' + joined + '"}'


class InIds(ColumnElement[bool]):
    """``column`` is one of the ids bound to ``ids`` (see the module docstring)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition already: no "= 1" where booleans are integers
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], ids: BindParameter[Sequence[str]]) -> None:
        self.column = column
        self.ids = ids


def in_ids(column: ColumnElement[Any], name: str = "ids") -> InIds:
    return InIds(column, bindparam(name, type_=IdList()))


@compiles(InIds)
def _in_json_array(element: InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(InIds, "postgresql")
def _equals_any(element: InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids, **kw)
    return f"{column} = ANY(CAST({ids} AS TEXT[]))"
