"""Throttling of wrong MFA codes: each device's failures and the end of its lock.

Revision ID: r0011
Revises: r0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0011"
down_revision = "r0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default works in place on both backends (no table rebuild).
    op.add_column(
        "mfa_devices",
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("mfa_devices", sa.Column("locked_until", UtcTimestamp(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both backends, as r0010: a batch copy of ``mfa_devices``
    # would drop the old table, which SQLite's foreign keys answer by deleting what refers to it.
    op.drop_column("mfa_devices", "locked_until")
    op.drop_column("mfa_devices", "failed_attempts")
