"""Outbound web identity federation: each account's issuer and its sealed signing keys.

Revision ID: r0015
Revises: r0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0015"
down_revision = "r0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_issuers",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("issuer_id", sa.String(36), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_outbound_issuers"),
    )
    op.create_index("ux_outbound_issuers_issuer_id", "outbound_issuers", ["issuer_id"], unique=True)
    op.create_table(
        "outbound_signing_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("algorithm", sa.String(8), nullable=False),
        sa.Column("private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("retire_date", UtcTimestamp(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_outbound_signing_keys"),
    )
    op.create_index(
        "ix_outbound_signing_keys_active",
        "outbound_signing_keys",
        ["account_id", "algorithm", "retire_date"],
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_signing_keys_active", table_name="outbound_signing_keys")
    op.drop_table("outbound_signing_keys")
    op.drop_index("ux_outbound_issuers_issuer_id", table_name="outbound_issuers")
    op.drop_table("outbound_issuers")
