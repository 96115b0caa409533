"""SAML identity providers with metadata, certificates and tags; seen assertion ids.

Revision ID: r0008
Revises: r0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp, sort_key_type

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saml_providers",
        sa.Column("provider_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_key", sort_key_type(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("metadata_document", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.String(1024), nullable=False),
        sa.Column("certificates", sa.Text(), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("valid_until", UtcTimestamp(), nullable=True),
        sa.PrimaryKeyConstraint("provider_id", name="pk_saml_providers"),
    )
    op.create_index(
        "ux_saml_providers_account_name", "saml_providers", ["account_id", "name_key"], unique=True
    )
    op.create_table(
        "saml_provider_tags",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag_key", sa.String(128), nullable=False),
        sa.Column("tag_value", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["saml_providers.provider_id"],
            name="fk_saml_provider_tags_owner_id_saml_providers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "position", name="pk_saml_provider_tags"),
    )
    op.create_table(
        "saml_assertion_ids",
        sa.Column("provider_arn", sa.String(2048), nullable=False),
        sa.Column("assertion_id", sa.String(256), nullable=False),
        sa.Column("expires_at", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("provider_arn", "assertion_id", name="pk_saml_assertion_ids"),
    )
    op.create_index("ix_saml_assertion_ids_expires_at", "saml_assertion_ids", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_saml_assertion_ids_expires_at", table_name="saml_assertion_ids")
    op.drop_table("saml_assertion_ids")
    op.drop_table("saml_provider_tags")
    op.drop_index("ux_saml_providers_account_name", table_name="saml_providers")
    op.drop_table("saml_providers")
