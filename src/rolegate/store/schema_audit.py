"""The audit trail (revisions ``r0016``, ``r0021``): one row per event, its CloudTrail record as
JSON text, and the columns LookupEvents filters on, the resources it names among them (one text
column, so that an event is one row to write). docs/audit.md.

The primary key is ``(event_time, event_id)``: events are inserted in time order (give or take
the outbox's second), so each insert lands in the last pages of the key's B-tree, which recent
inserts already wrote, where a key of random UUIDs alone would write (and, once the table
outgrows the cache, read) a page anywhere in it for every event. The event id, random, only makes
the key unique. The same key serves the retention's pruning, a range on its leading column.

Every lookup is one account's events, newest first, on ``ix_audit_events_account`` (PostgreSQL,
when one account holds most events, may walk the key backward instead); an attribute filters that
walk (LookupEvents answers 50 at most, and CloudTrail limits it to 2 calls a second; an EventId
is compared in the index, which holds it, before any row is read), so that each event costs two
index entries to write (the key's and the account's), not one per attribute: events are written
on every request, looked up seldom.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, PrimaryKeyConstraint, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, metadata
from rolegate.store.types import UtcTimestamp

audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", String(36), nullable=False),
    Column("account_id", ACCOUNT_ID, nullable=False),  # "" when no account was known
    Column("event_time", UtcTimestamp(), nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("event_source", String(128), nullable=False),
    Column("username", String(256), nullable=True),
    Column("access_key_id", String(128), nullable=True),
    Column("read_only", Boolean(), nullable=False),
    Column("record", Text(), nullable=False),
    # the resources it names, "\x1eTYPE\x1fNAME\x1eTYPE\x1fNAME\x1e" (repos.audit_events)
    Column("resources", Text(), nullable=False),
    PrimaryKeyConstraint("event_time", "event_id"),  # pk_audit_events; time first, as inserted
    Index("ix_audit_events_account", "account_id", "event_time", "event_id"),
)
