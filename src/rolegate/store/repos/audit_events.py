"""The audit trail's store (``schema_audit``): insert events, look them up newest first, prune
what is older than the retention.

A lookup is one account's events between two times, with at most one attribute
(LookupEvents'), in ``(event_time, event_id)`` descending order; a page continues strictly
after the last row of the one before (keyset, no OFFSET), on the indexes that lead with the
account.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select
from sqlalchemy.engine import Connection

from rolegate.domain.audit_event import AuditEvent
from rolegate.store.schema_audit import audit_event_resources, audit_events

# LookupEvents' attribute keys and the column each filters on (resources: the second table).
_COLUMNS = {
    "EventId": audit_events.c.event_id,
    "EventName": audit_events.c.event_name,
    "Username": audit_events.c.username,
    "AccessKeyId": audit_events.c.access_key_id,
    "EventSource": audit_events.c.event_source,
}
_RESOURCE_COLUMNS = {
    "ResourceName": audit_event_resources.c.resource_name,
    "ResourceType": audit_event_resources.c.resource_type,
}
PRUNE_BATCH = 5000


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
        self._conn.execute(
            insert(audit_events),
            [
                {
                    "event_id": e.event_id,
                    "account_id": e.account_id,
                    "event_time": e.event_time,
                    "event_name": e.event_name,
                    "event_source": e.event_source,
                    "username": e.username,
                    "access_key_id": e.access_key_id,
                    "read_only": e.read_only,
                    "record": e.record,
                }
                for e in events
            ],
        )
        resources = [
            {
                "event_id": e.event_id,
                "position": position,
                "account_id": e.account_id,
                "event_time": e.event_time,
                "resource_type": kind,
                "resource_name": name[:2048],
            }
            for e in events
            for position, (kind, name) in enumerate(e.resources)
        ]
        if resources:
            self._conn.execute(insert(audit_event_resources), resources)

    def lookup(self, query: AuditQuery) -> list[AuditEvent]:
        """At most ``query.limit`` events, newest first."""
        t = audit_events
        conditions: list[Any] = [
            t.c.account_id == query.account_id,
            t.c.event_time >= query.start,
            t.c.event_time <= query.end,
        ]
        if query.attribute is not None:
            conditions.append(_attribute_condition(*query.attribute))
        if query.after is not None:
            time, event_id = query.after
            conditions.append(
                or_(t.c.event_time < time, and_(t.c.event_time == time, t.c.event_id < event_id))
            )
        rows = self._conn.execute(
            select(t)
            .where(*conditions)
            .order_by(t.c.event_time.desc(), t.c.event_id.desc())
            .limit(query.limit)
        ).all()
        found = self._resources([row.event_id for row in rows])
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
                resources=found.get(row.event_id, ()),
                record=row.record,
            )
            for row in rows
        ]

    def _resources(self, event_ids: list[str]) -> dict[str, tuple[tuple[str, str], ...]]:
        if not event_ids:
            return {}
        r = audit_event_resources
        rows = self._conn.execute(
            select(r.c.event_id, r.c.resource_type, r.c.resource_name)
            .where(r.c.event_id.in_(event_ids))
            .order_by(r.c.event_id, r.c.position)
        ).all()
        found: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            found.setdefault(row.event_id, []).append((row.resource_type, row.resource_name))
        return {key: tuple(value) for key, value in found.items()}

    def prune(self, before: datetime, batch: int = PRUNE_BATCH) -> int:
        """Delete up to ``batch`` events older than ``before`` (and their resources); the
        number deleted. Called in a loop, each batch its own short transaction."""
        t = audit_events
        ids = [
            row.event_id
            for row in self._conn.execute(
                select(t.c.event_id).where(t.c.event_time < before).limit(batch)
            )
        ]
        if not ids:
            return 0
        r = audit_event_resources
        self._conn.execute(delete(r).where(r.c.event_id.in_(ids)))
        self._conn.execute(delete(t).where(t.c.event_id.in_(ids)))
        return len(ids)


def _attribute_condition(key: str, value: str) -> Any:
    t = audit_events
    if key == "ReadOnly":
        return t.c.read_only == (value == "true")
    column = _COLUMNS.get(key)
    if column is not None:
        return column == value
    r = audit_event_resources
    return exists().where(r.c.event_id == t.c.event_id, _RESOURCE_COLUMNS[key] == value)
