"""IAM users with tags and inline policies; last use of access keys.

Revision ID: r0002
Revises: r0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp, sort_key_type

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None

_LAST_USED_COLUMNS = ("last_used_date", "last_used_service", "last_used_region")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("name_key", sort_key_type(256), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("permissions_boundary_arn", sa.String(2048), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name="pk_users"),
    )
    op.create_index("ux_users_account_name", "users", ["account_id", "name_key"], unique=True)
    op.create_table(
        "user_tags",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag_key", sa.String(128), nullable=False),
        sa.Column("tag_value", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.user_id"], name="fk_user_tags_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("owner_id", "position", name="pk_user_tags"),
    )
    op.create_table(
        "user_policies",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("policy_name", sa.String(128), nullable=False),
        sa.Column("policy_document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.user_id"],
            name="fk_user_policies_owner_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "name_key", name="pk_user_policies"),
    )
    # ADD COLUMN of a nullable column works in place on both backends (no table rebuild).
    op.add_column("access_keys", sa.Column("last_used_date", UtcTimestamp(), nullable=True))
    op.add_column("access_keys", sa.Column("last_used_service", sa.String(64), nullable=True))
    op.add_column("access_keys", sa.Column("last_used_region", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_keys") as batch:
        for column in reversed(_LAST_USED_COLUMNS):
            batch.drop_column(column)
    op.drop_table("user_policies")
    op.drop_table("user_tags")
    op.drop_index("ux_users_account_name", table_name="users")
    op.drop_table("users")
