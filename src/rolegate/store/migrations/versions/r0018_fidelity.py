"""ChangePassword's guessing limit: each login profile's wrong old passwords and the end of its
lock.

Revision ID: r0018
Revises: r0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0018"
down_revision = "r0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default works in place on both backends (as r0011).
    op.add_column(
        "login_profiles",
        sa.Column("failed_changes", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("login_profiles", sa.Column("change_locked_until", UtcTimestamp(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place, as r0011: a batch copy would drop the table, and SQLite's foreign
    # keys would answer by deleting what refers to it.
    op.drop_column("login_profiles", "change_locked_until")
    op.drop_column("login_profiles", "failed_changes")
