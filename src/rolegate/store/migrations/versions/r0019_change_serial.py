"""The change serial the read caches follow: one row, moved by every write to what they hold.

Revision ID: r0019
Revises: r0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0019"
down_revision = "r0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "change_serial",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_serial"),
    )
    op.bulk_insert(table, [{"id": 1, "serial": 0}])


def downgrade() -> None:
    op.drop_table("change_serial")
