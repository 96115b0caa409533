"""Virtual MFA devices.

Revision ID: r0003
Revises: r0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mfa_devices",
        sa.Column("serial_number", sa.String(2048), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("device_name", sa.String(256), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("seed_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=True),
        sa.Column("enable_date", UtcTimestamp(), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column("tags_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("serial_number", name="pk_mfa_devices"),
    )
    op.create_index(
        "ix_mfa_devices_account_user", "mfa_devices", ["account_id", "user_name"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_mfa_devices_account_user", table_name="mfa_devices")
    op.drop_table("mfa_devices")
