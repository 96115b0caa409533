"""Groups: groups, group members, group inline policies.

Revision ID: r0006
Revises: r0005

Reserved in the revision chain so that work on each feature can land in any order; the
feature's owner fills in upgrade() and downgrade().
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp, sort_key_type

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("group_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("group_name", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", name="pk_groups"),
    )
    op.create_index("ux_groups_account_name", "groups", ["account_id", "name_key"], unique=True)
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.group_id"], name="fk_group_members_group_id_groups"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_group_members_user_id_users"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_group_members"),
    )
    op.create_index("ix_group_members_user", "group_members", ["user_id"])
    op.create_table(
        "group_policies",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("policy_name", sa.String(128), nullable=False),
        sa.Column("policy_document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["groups.group_id"],
            name="fk_group_policies_owner_id_groups",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "name_key", name="pk_group_policies"),
    )


def downgrade() -> None:
    op.drop_table("group_policies")
    op.drop_index("ix_group_members_user", table_name="group_members")
    op.drop_table("group_members")
    op.drop_index("ux_groups_account_name", table_name="groups")
    op.drop_table("groups")
