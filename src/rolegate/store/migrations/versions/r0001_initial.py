"""Initial schema: accounts, access keys, roles with tags and inline policies.

Revision ID: r0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp, sort_key_type

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_accounts"),
    )
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("access_key_id", name="pk_access_keys"),
    )
    op.create_index(
        "ix_access_keys_owner", "access_keys", ["account_id", "user_name", "create_date"]
    )
    op.create_table(
        "roles",
        sa.Column("role_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("role_name", sa.String(64), nullable=False),
        sa.Column("name_key", sort_key_type(256), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("assume_role_policy_document", sa.Text(), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("max_session_duration", sa.Integer(), nullable=False),
        sa.Column("permissions_boundary_arn", sa.String(2048), nullable=True),
        sa.Column("last_used_date", UtcTimestamp(), nullable=True),
        sa.Column("last_used_region", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("role_id", name="pk_roles"),
    )
    op.create_index("ux_roles_account_name", "roles", ["account_id", "name_key"], unique=True)
    op.create_table(
        "role_tags",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag_key", sa.String(128), nullable=False),
        sa.Column("tag_value", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["roles.role_id"], name="fk_role_tags_owner_id_roles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("owner_id", "position", name="pk_role_tags"),
    )
    op.create_table(
        "role_policies",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("policy_name", sa.String(128), nullable=False),
        sa.Column("policy_document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["roles.role_id"],
            name="fk_role_policies_owner_id_roles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "name_key", name="pk_role_policies"),
    )


def downgrade() -> None:
    op.drop_table("role_policies")
    op.drop_table("role_tags")
    op.drop_index("ux_roles_account_name", table_name="roles")
    op.drop_table("roles")
    op.drop_index("ix_access_keys_owner", table_name="access_keys")
    op.drop_table("access_keys")
    op.drop_table("accounts")
