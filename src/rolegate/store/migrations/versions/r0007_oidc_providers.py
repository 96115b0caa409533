"""OpenID Connect identity providers with client ids, thumbprints and tags.

Revision ID: r0007
Revises: r0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_providers",
        sa.Column("provider_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("url", sa.String(255), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("client_ids", sa.Text(), nullable=False),
        sa.Column("thumbprints", sa.Text(), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", name="pk_oidc_providers"),
    )
    op.create_index(
        "ux_oidc_providers_account_url", "oidc_providers", ["account_id", "url"], unique=True
    )
    op.create_table(
        "oidc_provider_tags",
        sa.Column("owner_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag_key", sa.String(128), nullable=False),
        sa.Column("tag_value", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["oidc_providers.provider_id"],
            name="fk_oidc_provider_tags_owner_id_oidc_providers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "position", name="pk_oidc_provider_tags"),
    )


def downgrade() -> None:
    op.drop_table("oidc_provider_tags")
    op.drop_index("ux_oidc_providers_account_url", table_name="oidc_providers")
    op.drop_table("oidc_providers")
