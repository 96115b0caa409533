"""A user's other credentials (revision ``r0012``), on the same ``metadata`` as ``schema.py``:
login profiles, SSH public keys, signing certificates and service-specific credentials.

Each row names its user by unique id with ``ON DELETE CASCADE`` (DeleteUser refuses while any
remains, so the cascade only serves ``Store.reset``); a renamed user keeps them. Signing
certificates of the root user have no user (``user_id`` NULL). Passwords are argon2id hashes,
never the password; a service-specific credential's password must be shown again on Reset only
as a new one, but is kept sealed (it is a secret the service checks). Unique indexes decide what
AWS refuses as duplicates: one login profile per user, one SSH key (by fingerprint) per user, one
certificate (by the SHA-256 of its DER) per account. ``credential_reports`` holds each account's
latest credential report (the CSV as generated).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ENTITY_ID, metadata, users
from rolegate.store.types import UtcTimestamp


def _user_column(nullable: bool = False) -> Column[str]:
    return Column(
        "user_id", ENTITY_ID, ForeignKey(users.c.user_id, ondelete="CASCADE"), nullable=nullable
    )


login_profiles = Table(
    "login_profiles",
    metadata,
    Column(
        "user_id",
        ENTITY_ID,
        ForeignKey(users.c.user_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("password_changed", UtcTimestamp(), nullable=False),
    Column("password_reset_required", Boolean(), nullable=False),
    Column("max_signin_session_duration", Integer(), nullable=True),
    Column("previous_hashes", Text(), nullable=False),  # JSON list, newest first
    Column("password_last_used", UtcTimestamp(), nullable=True),
    # ChangePassword's guessing limit (revision r0018)
    Column("failed_changes", Integer(), nullable=False, server_default="0"),
    Column("change_locked_until", UtcTimestamp(), nullable=True),
)

ssh_public_keys = Table(
    "ssh_public_keys",
    metadata,
    Column("ssh_public_key_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    _user_column(),
    Column("body", Text(), nullable=False),
    Column("fingerprint", String(48), nullable=False),
    Column("status", String(16), nullable=False),
    Column("upload_date", UtcTimestamp(), nullable=False),
    Index("ux_ssh_public_keys_user_fingerprint", "user_id", "fingerprint", unique=True),
)

signing_certificates = Table(
    "signing_certificates",
    metadata,
    Column("certificate_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    _user_column(nullable=True),
    Column("body", Text(), nullable=False),
    Column("der_sha256", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("upload_date", UtcTimestamp(), nullable=False),
    Index("ux_signing_certificates_account_der", "account_id", "der_sha256", unique=True),
    Index("ix_signing_certificates_owner", "account_id", "user_id"),
)

service_specific_credentials = Table(
    "service_specific_credentials",
    metadata,
    Column("credential_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    _user_column(),
    Column("service_name", String(128), nullable=False),
    Column("service_user_name", String(200), nullable=False),
    Column("password_sealed", LargeBinary(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("expiration_date", UtcTimestamp(), nullable=True),
    Index("ix_service_specific_credentials_user", "user_id", "service_name"),
)

credential_reports = Table(
    "credential_reports",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("generated_time", UtcTimestamp(), nullable=False),
    Column("content", Text(), nullable=False),
)
