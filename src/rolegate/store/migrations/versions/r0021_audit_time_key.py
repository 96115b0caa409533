"""Audit events keyed by ``(event_time, event_id)``; ``ix_audit_events_time`` dropped, the key
leading with the time serves what it served.

Revision ID: r0021
Revises: r0020
"""

from __future__ import annotations

from alembic import op

revision = "r0021"
down_revision = "r0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rekey(["event_time", "event_id"], drop_time_index=True)


def downgrade() -> None:
    # Fails with an integrity error if two events share an id at different times, which the key
    # of this revision allows; ids are random UUIDs.
    _rekey(["event_id"], drop_time_index=False)


def _rekey(key: list[str], *, drop_time_index: bool) -> None:
    """Give ``audit_events`` the primary key ``key``, and drop or recreate
    ``ix_audit_events_time``."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a primary key: the table is copied into one with the new key, rows
        # included, and its other indexes are rebuilt. Nothing refers to it by a foreign key.
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.drop_constraint("pk_audit_events", type_="primary")
            batch.create_primary_key("pk_audit_events", key)
            if drop_time_index:
                batch.drop_index("ix_audit_events_time")
            else:
                batch.create_index("ix_audit_events_time", ["event_time"])
        return
    # One ALTER TABLE: the old key's index goes and the new one is built in the same statement.
    op.execute(
        "ALTER TABLE audit_events DROP CONSTRAINT pk_audit_events, "
        f"ADD CONSTRAINT pk_audit_events PRIMARY KEY ({', '.join(key)})"
    )
    if drop_time_index:
        op.drop_index("ix_audit_events_time", table_name="audit_events")
    else:
        op.create_index("ix_audit_events_time", "audit_events", ["event_time"])
