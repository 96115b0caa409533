"""Managed policies, their versions and tags, their attachments and boundary uses, and the
per-account usage counters.

Revision ID: r0004
Revises: r0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp, sort_key_type

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "managed_policies",
        sa.Column("policy_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("policy_name", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("update_date", UtcTimestamp(), nullable=False),
        sa.Column("default_version", sa.Integer(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("is_attachable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("policy_id", name="pk_managed_policies"),
    )
    op.create_index(
        "ux_managed_policies_account_name",
        "managed_policies",
        ["account_id", "name_key"],
        unique=True,
    )
    op.create_table(
        "policy_versions",
        sa.Column("policy_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["managed_policies.policy_id"],
            name="fk_policy_versions_policy_id_managed_policies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "version", name="pk_policy_versions"),
    )
    op.create_table(
        "policy_tags",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag_key", sa.String(128), nullable=False),
        sa.Column("tag_value", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["managed_policies.policy_id"],
            name="fk_policy_tags_owner_id_managed_policies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "position", name="pk_policy_tags"),
    )
    op.create_table(
        "policy_attachments",
        sa.Column("owner_kind", sa.String(8), nullable=False),
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("usage", sa.String(24), nullable=False),
        sa.Column("policy_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["managed_policies.policy_id"],
            name="fk_policy_attachments_policy_id_managed_policies",
        ),
        sa.PrimaryKeyConstraint(
            "owner_kind", "owner_id", "usage", "policy_id", name="pk_policy_attachments"
        ),
    )
    op.create_index(
        "ix_policy_attachments_policy",
        "policy_attachments",
        ["policy_id", "account_id", "usage", "owner_kind", "owner_id"],
    )
    op.create_table(
        "policy_usage_counts",
        sa.Column("policy_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("boundaries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["managed_policies.policy_id"],
            name="fk_policy_usage_counts_policy_id_managed_policies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "account_id", name="pk_policy_usage_counts"),
    )


def downgrade() -> None:
    op.drop_table("policy_usage_counts")
    op.drop_index("ix_policy_attachments_policy", table_name="policy_attachments")
    op.drop_table("policy_attachments")
    op.drop_table("policy_tags")
    op.drop_table("policy_versions")
    op.drop_index("ux_managed_policies_account_name", table_name="managed_policies")
    op.drop_table("managed_policies")
