"""SAML identity providers, their tags, and the assertion ids already used (revision ``r0008``).

Kept apart from ``schema.py`` but on the same ``metadata``. ``saml_assertion_ids`` is shared by
every node of one database: an assertion id is recorded by the first AssumeRoleWithSAML that
accepts it, and a second use while the assertion is still valid finds the row (the primary key
makes two concurrent uses resolve to exactly one winner). Rows past ``expires_at`` may be purged.

``saml_provider_private_keys`` (revision ``r0020``): the keys that decrypt a provider's encrypted
assertions, at most two, sealed at rest (AEAD bound to the provider's and the key's ids); its
``assertion_encryption_mode`` column says whether plain assertions are still accepted.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, ENTITY_ID, metadata, tag_table
from rolegate.store.types import UtcTimestamp, sort_key_type

saml_providers = Table(
    "saml_providers",
    metadata,
    Column("provider_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_key", sort_key_type(512), nullable=False),  # lower(name)
    Column("arn", ARN, nullable=False),
    Column("metadata_document", Text(), nullable=False),
    Column("entity_id", String(1024), nullable=False),
    Column("certificates", Text(), nullable=False),  # JSON list of base64 DER certificates
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("valid_until", UtcTimestamp(), nullable=True),
    Column("assertion_encryption_mode", String(16), nullable=False, server_default="Allowed"),
    Index("ux_saml_providers_account_name", "account_id", "name_key", unique=True),
)

saml_provider_tags = tag_table("saml_provider_tags", saml_providers, "provider_id")

saml_provider_private_keys = Table(
    "saml_provider_private_keys",
    metadata,
    Column("key_id", ENTITY_ID, primary_key=True),
    Column(
        "provider_id",
        ENTITY_ID,
        ForeignKey(saml_providers.c.provider_id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("timestamp", UtcTimestamp(), nullable=False),
    Column("private_key_sealed", LargeBinary(), nullable=False),
    Index("ix_saml_provider_private_keys_provider", "provider_id"),
)

saml_assertion_ids = Table(
    "saml_assertion_ids",
    metadata,
    # The provider's ARN, not its id: a provider deleted and created again trusts the same IdP.
    Column("provider_arn", ARN, primary_key=True),
    Column("assertion_id", String(256), primary_key=True),
    Column("expires_at", UtcTimestamp(), nullable=False),
    Index("ix_saml_assertion_ids_expires_at", "expires_at"),
)
