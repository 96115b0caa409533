"""The audit trail: events in CloudTrail's record format.

Revision ID: r0016
Revises: r0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0016"
down_revision = "r0015"
branch_labels = None
depends_on = None

_EVENT_INDEXES = {
    "ix_audit_events_account": ["account_id", "event_time", "event_id"],
    "ix_audit_events_time": ["event_time"],
}


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("event_time", UtcTimestamp(), nullable=False),
        sa.Column("event_name", sa.String(128), nullable=False),
        sa.Column("event_source", sa.String(128), nullable=False),
        sa.Column("username", sa.String(256), nullable=True),
        sa.Column("access_key_id", sa.String(128), nullable=True),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_audit_events"),
    )
    for name, columns in _EVENT_INDEXES.items():
        op.create_index(name, "audit_events", columns)


def downgrade() -> None:
    for name in _EVENT_INDEXES:
        op.drop_index(name, table_name="audit_events")
    op.drop_table("audit_events")
