"""Server certificates (revision ``r0013``), on the same ``metadata`` as ``schema.py``.

A name is unique within its account (the unique index decides between concurrent uploads and
renames). The private key is sealed at rest (AEAD bound to the certificate's id) and never leaves
the store unsealed but to the repository. Tags are few and only read with the certificate: one
JSON column, as for MFA devices.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, ENTITY_ID, metadata
from rolegate.store.types import UtcTimestamp

server_certificates = Table(
    "server_certificates",
    metadata,
    Column("server_certificate_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("server_certificate_name", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("certificate_body", Text(), nullable=False),
    Column("certificate_chain", Text(), nullable=True),
    Column("private_key_sealed", LargeBinary(), nullable=False),
    Column("upload_date", UtcTimestamp(), nullable=False),
    Column("expiration", UtcTimestamp(), nullable=False),
    Column("tags_json", Text(), nullable=False),
    Index(
        "ux_server_certificates_account_name",
        "account_id",
        "server_certificate_name",
        unique=True,
    ),
)
