"""Instance profiles with their role and tags; service-linked role deletion tasks.

Revision ID: r0005
Revises: r0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp, sort_key_type

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_profiles",
        sa.Column("instance_profile_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("instance_profile_name", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("instance_profile_id", name="pk_instance_profiles"),
    )
    op.create_index(
        "ux_instance_profiles_account_name",
        "instance_profiles",
        ["account_id", "name_key"],
        unique=True,
    )
    op.create_table(
        "instance_profile_roles",
        sa.Column("instance_profile_id", sa.String(128), nullable=False),
        sa.Column("role_id", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_profile_id"],
            ["instance_profiles.instance_profile_id"],
            name="fk_instance_profile_roles_instance_profile_id_instance_profiles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.role_id"], name="fk_instance_profile_roles_role_id_roles"
        ),
        sa.PrimaryKeyConstraint("instance_profile_id", name="pk_instance_profile_roles"),
    )
    op.create_index("ix_instance_profile_roles_role", "instance_profile_roles", ["role_id"])
    op.create_table(
        "instance_profile_tags",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag_key", sa.String(128), nullable=False),
        sa.Column("tag_value", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["instance_profiles.instance_profile_id"],
            name="fk_instance_profile_tags_owner_id_instance_profiles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "position", name="pk_instance_profile_tags"),
    )
    op.create_table(
        "slr_deletion_tasks",
        sa.Column("deletion_task_id", sa.String(512), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("role_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("deletion_task_id", name="pk_slr_deletion_tasks"),
    )
    op.create_index("ix_slr_deletion_tasks_role", "slr_deletion_tasks", ["account_id", "role_id"])


def downgrade() -> None:
    op.drop_index("ix_slr_deletion_tasks_role", table_name="slr_deletion_tasks")
    op.drop_table("slr_deletion_tasks")
    op.drop_table("instance_profile_tags")
    op.drop_index("ix_instance_profile_roles_role", table_name="instance_profile_roles")
    op.drop_table("instance_profile_roles")
    op.drop_index("ux_instance_profiles_account_name", table_name="instance_profiles")
    op.drop_table("instance_profiles")
