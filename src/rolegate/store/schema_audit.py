"""The audit trail (revision ``r0016``): one row per event, its CloudTrail record as JSON text,
and the columns LookupEvents filters on, the resources it names among them (one text column, so
that an event is one row to write). docs/audit.md.

Every lookup is one account's events, newest first, on ``ix_audit_events_account``; an attribute
filters that walk (LookupEvents answers 50 at most, and CloudTrail limits it to 2 calls a second),
so that each event costs three index entries to write, not eight: events are written on every
request, looked up seldom. ``ix_audit_events_time`` serves the retention's pruning.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, metadata
from rolegate.store.types import UtcTimestamp

audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
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
    Index("ix_audit_events_account", "account_id", "event_time", "event_id"),
    Index("ix_audit_events_time", "event_time"),
)
