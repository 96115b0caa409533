"""Outbound web identity federation (revision ``r0015``): each account's issuer and its signing
keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound.html).

The issuer row is created by the first EnableOutboundWebIdentityFederation and kept after
Disable (``enabled`` false), so the discovery documents of tokens in flight stay served. A key's
private half is sealed (``Sealer``, bound to its key id); the active key of an (account,
algorithm) is the one whose ``retire_date`` is NULL, found on ``ix_outbound_signing_keys_active``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, LargeBinary, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, metadata
from rolegate.store.types import UtcTimestamp

outbound_issuers = Table(
    "outbound_issuers",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("issuer_id", String(36), nullable=False),
    Column("enabled", Boolean(), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Index("ux_outbound_issuers_issuer_id", "issuer_id", unique=True),
)

outbound_signing_keys = Table(
    "outbound_signing_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("algorithm", String(8), nullable=False),
    Column("private_sealed", LargeBinary(), nullable=False),  # Sealer output, never plain text
    Column("public_jwk", Text(), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("retire_date", UtcTimestamp(), nullable=True),
    Index("ix_outbound_signing_keys_active", "account_id", "algorithm", "retire_date"),
)
