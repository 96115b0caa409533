"""Account aliases, password policy and per-account quota overrides.

Revision ID: r0009
Revises: r0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_aliases",
        sa.Column("account_alias", sa.String(63), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("account_alias", name="pk_account_aliases"),
    )
    op.create_index("ux_account_aliases_account", "account_aliases", ["account_id"], unique=True)
    op.create_table(
        "password_policies",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("minimum_password_length", sa.Integer(), nullable=False),
        sa.Column("require_symbols", sa.Boolean(), nullable=False),
        sa.Column("require_numbers", sa.Boolean(), nullable=False),
        sa.Column("require_uppercase_characters", sa.Boolean(), nullable=False),
        sa.Column("require_lowercase_characters", sa.Boolean(), nullable=False),
        sa.Column("allow_users_to_change_password", sa.Boolean(), nullable=False),
        sa.Column("max_password_age", sa.Integer(), nullable=True),
        sa.Column("password_reuse_prevention", sa.Integer(), nullable=True),
        sa.Column("hard_expiry", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", name="pk_password_policies"),
    )
    op.create_table(
        "account_quotas",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("quota_name", sa.String(64), nullable=False),
        sa.Column("quota_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "quota_name", name="pk_account_quotas"),
    )


def downgrade() -> None:
    op.drop_table("account_quotas")
    op.drop_table("password_policies")
    op.drop_index("ux_account_aliases_account", table_name="account_aliases")
    op.drop_table("account_aliases")
