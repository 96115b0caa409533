"""Server certificates; service last accessed data and its report jobs; account properties and
the STS global endpoint token version; an OpenID Connect provider's context provider.

Revision ID: r0013
Revises: r0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0013"
down_revision = "r0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_certificates",
        sa.Column("server_certificate_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("server_certificate_name", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("certificate_body", sa.Text(), nullable=False),
        sa.Column("certificate_chain", sa.Text(), nullable=True),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("upload_date", UtcTimestamp(), nullable=False),
        sa.Column("expiration", UtcTimestamp(), nullable=False),
        sa.Column("tags_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("server_certificate_id", name="pk_server_certificates"),
    )
    op.create_index(
        "ux_server_certificates_account_name",
        "server_certificates",
        ["account_id", "server_certificate_name"],
        unique=True,
    )
    op.create_table(
        "service_last_accessed",
        sa.Column("principal_id", sa.String(128), nullable=False),
        sa.Column("service_namespace", sa.String(64), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("principal_arn", sa.String(2048), nullable=False),
        sa.Column("last_authenticated", UtcTimestamp(), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint(
            "principal_id", "service_namespace", "action_name", name="pk_service_last_accessed"
        ),
    )
    op.create_index("ix_service_last_accessed_account", "service_last_accessed", ["account_id"])
    op.create_table(
        "last_accessed_jobs",
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("requester_arn", sa.String(2048), nullable=False),
        sa.Column("entity_arn", sa.String(2048), nullable=False),
        sa.Column("granularity", sa.String(16), nullable=False),
        sa.Column("creation_date", UtcTimestamp(), nullable=False),
        sa.Column("completion_date", UtcTimestamp(), nullable=True),
        sa.Column("report_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name="pk_last_accessed_jobs"),
    )
    op.create_table(
        "account_properties",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("property_key", sa.String(50), nullable=False),
        sa.Column("property_value", sa.String(1024), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "property_key", name="pk_account_properties"),
    )
    op.create_table(
        "sts_preferences",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("global_endpoint_token_version", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_sts_preferences"),
    )
    op.add_column("oidc_providers", sa.Column("context_provider", sa.Text(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both backends: a batch copy would break the foreign key of
    # oidc_provider_tags.
    op.drop_column("oidc_providers", "context_provider")
    op.drop_table("sts_preferences")
    op.drop_table("account_properties")
    op.drop_table("last_accessed_jobs")
    op.drop_index("ix_service_last_accessed_account", table_name="service_last_accessed")
    op.drop_table("service_last_accessed")
    op.drop_index("ux_server_certificates_account_name", table_name="server_certificates")
    op.drop_table("server_certificates")
