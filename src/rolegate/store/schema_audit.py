"""The audit trail (revision ``r0016``): one row per event, its CloudTrail record as JSON text,
and the columns LookupEvents filters on; the resources each event names in a table of their own
(``ResourceName``/``ResourceType`` lookups). docs/audit.md.

Every lookup is one account's events, newest first: the indexes lead with the account and end
with the event time. ``ix_audit_events_time`` serves the retention's pruning.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, metadata
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
    Index("ix_audit_events_account", "account_id", "event_time", "event_id"),
    Index("ix_audit_events_name", "account_id", "event_name", "event_time"),
    Index("ix_audit_events_username", "account_id", "username", "event_time"),
    Index("ix_audit_events_key", "account_id", "access_key_id", "event_time"),
    Index("ix_audit_events_time", "event_time"),
)

audit_event_resources = Table(
    "audit_event_resources",
    metadata,
    Column(
        "event_id",
        String(36),
        ForeignKey("audit_events.event_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer(), primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("event_time", UtcTimestamp(), nullable=False),
    Column("resource_type", String(64), nullable=False),
    Column("resource_name", ARN, nullable=False),
    Index("ix_audit_event_resources_name", "account_id", "resource_name", "event_time"),
    Index("ix_audit_event_resources_type", "account_id", "resource_type", "event_time"),
    Index("ix_audit_event_resources_time", "event_time"),
)
