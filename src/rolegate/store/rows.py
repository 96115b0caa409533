"""Entities to rows and back, for the tables whose columns carry their entity's field names.

The table of a named IAM entity (users, groups, instance profiles, identity providers, accounts)
holds one column per field of its frozen dataclass, under the same name, plus ``name_key``: the
case-folded name its unique index holds. Fields kept in other tables (tags, a profile's roles) are
not columns; columns stored in another form (a SAML provider's certificates as JSON) are given
explicitly both ways. Creating any entity is the same statement: ``INSERT … ON CONFLICT DO
NOTHING``, and Conflict when a unique key already holds it; the unique index decides between
concurrent creates, and the transaction stays usable.

Roles are mapped by position instead (``repos.roles``), for the speed of their listings.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from rolegate.store.dialects import insert_ignoring_duplicates
from rolegate.store.errors import Conflict
from rolegate.store.types import name_key

E = TypeVar("E", bound=Hashable)  # a frozen dataclass


def insert_new(conn: Connection, table: Table, values: Mapping[str, Any], conflict: str) -> None:
    """Insert one row; ``Conflict(conflict)`` when a unique key of ``table`` already holds it."""
    if conn.execute(insert_ignoring_duplicates(table, conn.dialect.name), values).rowcount == 0:
        raise Conflict(conflict)


def entity_values(
    entity: object, table: Table, *, name: str | None = None, **columns: Any
) -> dict[str, Any]:
    """``entity``'s row of ``table``: each column from the field of that name, ``name_key`` from
    ``name``, and ``columns`` (stored in another form) as given. Columns the entity has no field
    for are left to their defaults."""
    values = dict(columns)
    for column in (c.key for c in table.columns):
        if column in values:
            continue
        if column == "name_key" and name is not None:
            values[column] = name_key(name)
        elif hasattr(entity, column):
            values[column] = getattr(entity, column)
    return values


def entity_from_row(cls: type[E], row: Any, **fields: Any) -> E:
    """``cls`` from a row (a SQLAlchemy ``Row`` or a ``Prepared`` named tuple): each field from
    the column of that name, ``fields`` (kept elsewhere, or stored in another form) as given;
    fields with neither keep their defaults."""
    names, read = _reader(cls, row._fields)
    values = dict(zip(names, read(row), strict=True))
    values.update(fields)
    return cls(**values)


@functools.cache
def _reader(
    cls: type[Any], columns: tuple[str, ...]
) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """The fields of dataclass ``cls`` that rows with ``columns`` hold, and one call reading
    them all."""
    names = tuple(name for name in cls.__dataclass_fields__ if name in columns)
    if len(names) == 1:  # attrgetter of one name returns the value, not a tuple
        one = operator.attrgetter(names[0])
        return names, lambda row: (one(row),)
    return names, operator.attrgetter(*names)
