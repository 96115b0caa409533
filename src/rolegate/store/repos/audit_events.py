"""The audit trail's store (``schema_audit``): insert events, look them up newest first, prune
what is older than the retention.

A lookup is one account's events between two times, with at most one attribute
(LookupEvents'), in ``(event_time, event_id)`` descending order; a page continues strictly
after the last row of the one before (keyset, no OFFSET). Resources are one text column,
``"\\x1eTYPE\\x1fNAME\\x1e..."``, matched with a case-sensitive substring search
(``instr``/``strpos``) for ``"\\x1fNAME\\x1e"`` or ``"\\x1eTYPE\\x1f"``; the separators never
occur in IAM names or ARNs, and are dropped from any value that would hold them.

The primary key is ``(event_time, event_id)``: the pages' order is its order (descending), total
because the key is unique, and ``prune`` deletes a range of it, oldest first. Nothing looks an
event up by its id alone: LookupEvents' EventId filters the account's walk as other attributes do.

Events are written on every request, so ``insert`` hands its batch to the driver: SQLite's
``executemany`` with the statement SQLAlchemy compiled once per dialect (as ``store.prepared``
does for single statements), PostgreSQL's ``COPY``: a batch costs the driver's work, not
SQLAlchemy's per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Delete, Select, and_, delete, func, insert, or_, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect

from rolegate.domain.audit_event import AuditEvent, AuditResource
from rolegate.store.schema_audit import audit_events

# LookupEvents' attribute keys and the column each compares (ReadOnly and resources: below).
_COLUMNS = {
    "EventId": audit_events.c.event_id,
    "EventName": audit_events.c.event_name,
    "Username": audit_events.c.username,
    "AccessKeyId": audit_events.c.access_key_id,
    "EventSource": audit_events.c.event_source,
}
_RECORD, _UNIT = "\x1e", "\x1f"
_ORDER = (
    "event_id",
    "account_id",
    "event_time",
    "event_name",
    "event_source",
    "username",
    "access_key_id",
    "read_only",
    "record",
    "resources",
)
PRUNE_BATCH = 5000
_COPY = f"COPY {audit_events.name} ({', '.join(_ORDER)}) FROM STDIN"


@dataclass(frozen=True, slots=True)
class AuditQuery:
    account_id: str
    start: datetime
    end: datetime
    limit: int
    attribute: tuple[str, str] | None = None  # (AttributeKey, AttributeValue)
    after: tuple[datetime, str] | None = None  # the last (event_time, event_id) already seen


class AuditEventRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def insert(self, events: Sequence[AuditEvent]) -> None:
        if not events:
            return
        dialect = self._conn.dialect
        sql, binders = _insert_for(dialect)
        rows = []
        for e in events:
            values = [
                e.event_id,
                e.account_id,
                e.event_time,
                e.event_name,
                e.event_source,
                e.username,
                e.access_key_id,
                e.read_only,
                e.record,
                encode_resources(e.resources),
            ]
            for index, bind in binders:
                values[index] = bind(values[index])
            rows.append(tuple(values))
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if dialect.name == "postgresql":
                # one stream, where executemany's pipeline runs Python for every statement
                with cursor.copy(_COPY) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, rows)
        except dialect.loaded_dbapi.Error as error:
            raise sa_exc.DBAPIError.instance(
                sql, rows[:1], error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        finally:
            cursor.close()

    def lookup(self, query: AuditQuery) -> list[AuditEvent]:
        """At most ``query.limit`` events, newest first."""
        rows = self._conn.execute(lookup_query(query, self._conn.dialect.name)).all()
        return [
            AuditEvent(
                event_id=row.event_id,
                account_id=row.account_id,
                event_time=row.event_time,
                event_name=row.event_name,
                event_source=row.event_source,
                username=row.username,
                access_key_id=row.access_key_id,
                read_only=bool(row.read_only),
                resources=decode_resources(row.resources),
                record=row.record,
            )
            for row in rows
        ]

    def prune(self, before: datetime, batch: int = PRUNE_BATCH) -> int:
        """Delete up to ``batch`` of the oldest events older than ``before``; the number deleted.
        Called in a loop, each batch its own short transaction."""
        last = self._conn.execute(prune_end_query(before, batch)).first()
        end = None if last is None else (last.event_time, last.event_id)
        deleted: int = self._conn.execute(prune_statement(before, end)).rowcount
        return deleted


def lookup_query(query: AuditQuery, dialect_name: str) -> Select[Any]:
    """``AuditEventRepo.lookup``'s SELECT."""
    t = audit_events
    conditions: list[Any] = [
        t.c.account_id == query.account_id,
        t.c.event_time >= query.start,
        t.c.event_time <= query.end,
    ]
    if query.attribute is not None:
        conditions.append(_attribute_condition(*query.attribute, dialect_name))
    if query.after is not None:
        time, event_id = query.after
        conditions.append(
            or_(t.c.event_time < time, and_(t.c.event_time == time, t.c.event_id < event_id))
        )
    return (
        select(t)
        .where(*conditions)
        .order_by(t.c.event_time.desc(), t.c.event_id.desc())
        .limit(query.limit)
    )


def _attribute_condition(key: str, value: str, dialect_name: str) -> Any:
    t = audit_events
    if key == "ReadOnly":
        return t.c.read_only == (value == "true")
    column = _COLUMNS.get(key)
    if column is not None:
        return column == value
    clean = _clean(value)
    needle = f"{_UNIT}{clean}{_RECORD}" if key == "ResourceName" else f"{_RECORD}{clean}{_UNIT}"
    if dialect_name == "sqlite":
        return func.instr(t.c.resources, needle) > 0
    return func.strpos(t.c.resources, needle) > 0


def prune_end_query(before: datetime, batch: int) -> Select[datetime, str]:
    """The key of the ``batch``-th oldest event older than ``before``, if there are that many:
    where a prune's batch ends, found on the primary key (its leading column is the time)."""
    t = audit_events
    return (
        select(t.c.event_time, t.c.event_id)
        .where(t.c.event_time < before)
        .order_by(t.c.event_time, t.c.event_id)
        .offset(batch - 1)
        .limit(1)
    )


def prune_statement(before: datetime, end: tuple[datetime, str] | None) -> Delete:
    """Delete the events older than ``before``, up to the key ``end`` (included) when a batch
    ends there: a range of the primary key."""
    t = audit_events
    older = t.c.event_time < before
    if end is not None:
        time, event_id = end
        older = and_(
            older,
            or_(t.c.event_time < time, and_(t.c.event_time == time, t.c.event_id <= event_id)),
        )
    return delete(t).where(older)


def encode_resources(resources: Sequence[AuditResource]) -> str:
    if not resources:
        return ""
    parts = (f"{_clean(kind)}{_UNIT}{_clean(name)}" for kind, name in resources)
    return _RECORD + _RECORD.join(parts) + _RECORD


def decode_resources(text: str) -> tuple[AuditResource, ...]:
    found = []
    for part in text.strip(_RECORD).split(_RECORD) if text else ():
        kind, _, name = part.partition(_UNIT)
        found.append((kind, name))
    return tuple(found)


def _clean(value: str) -> str:
    return value.replace(_RECORD, "").replace(_UNIT, "")


_Binders = tuple[tuple[int, Any], ...]
_COMPILED: dict[str, tuple[str, _Binders]] = {}  # by dialect name: the same for every engine


def _insert_for(dialect: Dialect) -> tuple[str, _Binders]:
    """The INSERT's SQL with positional placeholders, and the bind processors by position
    (``UtcTimestamp``'s, the Boolean's), compiled once per dialect."""
    found = _COMPILED.get(dialect.name)
    if found is not None:
        return found
    compiled: Any = insert(audit_events).compile(dialect=dialect, column_keys=list(_ORDER))
    sql: str = compiled.string
    if compiled.positional:
        assert list(compiled.positiontup) == list(_ORDER), compiled.positiontup
    else:  # psycopg: named %(name)s placeholders -> positional %s, in _ORDER
        for name in _ORDER:
            sql = sql.replace(f"%({name})s", "%s")
    processors = compiled._bind_processors.items()
    binders = tuple((_ORDER.index(name), bind) for name, bind in processors if name in _ORDER)
    _COMPILED[dialect.name] = (sql, binders)
    return sql, binders
