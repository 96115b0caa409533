"""The audit trail: events in CloudTrail's record format and the resources they name.

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
        sa.PrimaryKeyConstraint("event_id", name="pk_audit_events"),
    )
    for name, columns in _EVENT_INDEXES.items():
        op.create_index(name, "audit_events", columns)
    op.create_table(
        "audit_event_resources",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("event_time", UtcTimestamp(), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_name", sa.String(2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.event_id"],
            name="fk_audit_event_resources_event_id_audit_events",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "position", name="pk_audit_event_resources"),
    )


def downgrade() -> None:
    op.drop_table("audit_event_resources")
    for name in _EVENT_INDEXES:
        op.drop_index(name, table_name="audit_events")
    op.drop_table("audit_events")
