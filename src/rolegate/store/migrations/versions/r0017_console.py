"""The web console's shared state: ended console sessions and failed sign-in counters.

Revision ID: r0017
Revises: r0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0017"
down_revision = "r0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_guards",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_console_guards"),
    )
    op.create_index("ix_console_guards_expires", "console_guards", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_console_guards_expires", table_name="console_guards")
    op.drop_table("console_guards")
