"""SAML encrypted assertions: each provider's assertion encryption mode and its private keys
(sealed).

Revision ID: r0020
Revises: r0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0020"
down_revision = "r0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default works in place on both backends (as r0018): existing
    # providers accept plain assertions, as before.
    op.add_column(
        "saml_providers",
        sa.Column(
            "assertion_encryption_mode",
            sa.String(16),
            nullable=False,
            server_default="Allowed",
        ),
    )
    op.create_table(
        "saml_provider_private_keys",
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.Column("provider_id", sa.String(128), nullable=False),
        sa.Column("timestamp", UtcTimestamp(), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["saml_providers.provider_id"],
            name="fk_saml_provider_private_keys_provider_id_saml_providers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_id", name="pk_saml_provider_private_keys"),
    )
    op.create_index(
        "ix_saml_provider_private_keys_provider", "saml_provider_private_keys", ["provider_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_saml_provider_private_keys_provider", table_name="saml_provider_private_keys")
    op.drop_table("saml_provider_private_keys")
    # DROP COLUMN in place, as r0018.
    op.drop_column("saml_providers", "assertion_encryption_mode")
