"""A user's other credentials: login profiles, SSH public keys, signing certificates and
service-specific credentials; each account's latest credential report.

Revision ID: r0012
Revises: r0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rolegate.store.types import UtcTimestamp

revision = "r0012"
down_revision = "r0011"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.user_id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "login_profiles",
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("password_changed", UtcTimestamp(), nullable=False),
        sa.Column("password_reset_required", sa.Boolean(), nullable=False),
        sa.Column("max_signin_session_duration", sa.Integer(), nullable=True),
        sa.Column("previous_hashes", sa.Text(), nullable=False),
        sa.Column("password_last_used", UtcTimestamp(), nullable=True),
        _user_fk("login_profiles"),
        sa.PrimaryKeyConstraint("user_id", name="pk_login_profiles"),
    )
    op.create_table(
        "ssh_public_keys",
        sa.Column("ssh_public_key_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(48), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("upload_date", UtcTimestamp(), nullable=False),
        _user_fk("ssh_public_keys"),
        sa.PrimaryKeyConstraint("ssh_public_key_id", name="pk_ssh_public_keys"),
    )
    op.create_index(
        "ux_ssh_public_keys_user_fingerprint",
        "ssh_public_keys",
        ["user_id", "fingerprint"],
        unique=True,
    )
    op.create_table(
        "signing_certificates",
        sa.Column("certificate_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("der_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("upload_date", UtcTimestamp(), nullable=False),
        _user_fk("signing_certificates"),
        sa.PrimaryKeyConstraint("certificate_id", name="pk_signing_certificates"),
    )
    op.create_index(
        "ux_signing_certificates_account_der",
        "signing_certificates",
        ["account_id", "der_sha256"],
        unique=True,
    )
    op.create_index(
        "ix_signing_certificates_owner", "signing_certificates", ["account_id", "user_id"]
    )
    op.create_table(
        "service_specific_credentials",
        sa.Column("credential_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("service_name", sa.String(128), nullable=False),
        sa.Column("service_user_name", sa.String(200), nullable=False),
        sa.Column("password_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("create_date", UtcTimestamp(), nullable=False),
        sa.Column("expiration_date", UtcTimestamp(), nullable=True),
        _user_fk("service_specific_credentials"),
        sa.PrimaryKeyConstraint("credential_id", name="pk_service_specific_credentials"),
    )
    op.create_index(
        "ix_service_specific_credentials_user",
        "service_specific_credentials",
        ["user_id", "service_name"],
    )
    op.create_table(
        "credential_reports",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("generated_time", UtcTimestamp(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_credential_reports"),
    )


def downgrade() -> None:
    op.drop_table("credential_reports")
    op.drop_index("ix_service_specific_credentials_user", table_name="service_specific_credentials")
    op.drop_table("service_specific_credentials")
    op.drop_index("ix_signing_certificates_owner", table_name="signing_certificates")
    op.drop_index("ux_signing_certificates_account_der", table_name="signing_certificates")
    op.drop_table("signing_certificates")
    op.drop_index("ux_ssh_public_keys_user_fingerprint", table_name="ssh_public_keys")
    op.drop_table("ssh_public_keys")
    op.drop_table("login_profiles")
