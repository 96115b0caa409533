"""OpenID Connect identity providers and their tags (revision ``r0007``).

Kept apart from ``schema.py`` but on the same ``metadata``. The URL (without ``https://``) is unique
per account and case-sensitive
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html);
AssumeRoleWithWebIdentity finds the provider by (role's account, token issuer) on that index. Client
ids and thumbprints are short bounded lists (100 and 5), kept as JSON arrays in the provider's row,
so a change to them is one row update.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, ENTITY_ID, metadata, tag_table
from rolegate.store.types import UtcTimestamp

oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("provider_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("url", String(255), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("client_ids", Text(), nullable=False),  # JSON list, in the order added
    Column("thumbprints", Text(), nullable=False),  # JSON list of lower-case hex
    Column("create_date", UtcTimestamp(), nullable=False),
    # The trusted identity propagation context provider, as JSON (revision r0013); NULL: none.
    Column("context_provider", Text(), nullable=True),
    Index("ux_oidc_providers_account_url", "account_id", "url", unique=True),
)

oidc_provider_tags = tag_table("oidc_provider_tags", oidc_providers, "provider_id")
