"""Managed policies, their versions and tags, who uses them and how often (revision r0004).

Kept apart from ``schema.py`` but on the same ``metadata``. ``policy_attachments`` is generic:
one row per (principal, policy, usage) with the principal named by ``owner_kind`` (role, user,
group) and ``owner_id``, so attaching to users and groups needs no new table. Its rows are
removed by the services when a principal is deleted (no foreign key can point at three tables).
The foreign key to ``managed_policies`` has no cascade: a policy in use is never deleted.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, ENTITY_ID, metadata, tag_table
from rolegate.store.types import UtcTimestamp, sort_key_type

managed_policies = Table(
    "managed_policies",
    metadata,
    Column("policy_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),  # 12 digits, or "aws"
    Column("policy_name", String(128), nullable=False),
    Column("name_key", sort_key_type(512), nullable=False),  # lower(policy_name)
    Column("path", String(512), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("description", String(1000), nullable=True),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("update_date", UtcTimestamp(), nullable=False),
    Column("default_version", Integer(), nullable=False),
    Column("latest_version", Integer(), nullable=False),
    Column("is_attachable", Boolean(), nullable=False),
    # Names are unique per account without regard to case; ListPolicies pages on this index.
    Index("ux_managed_policies_account_name", "account_id", "name_key", unique=True),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column(
        "policy_id",
        ENTITY_ID,
        ForeignKey(managed_policies.c.policy_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer(), primary_key=True, autoincrement=False),
    Column("document", Text(), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
)

policy_tags = tag_table("policy_tags", managed_policies, "policy_id")

policy_attachments = Table(
    "policy_attachments",
    metadata,
    Column("owner_kind", String(8), primary_key=True),  # OwnerKind value
    Column("owner_id", ENTITY_ID, primary_key=True),
    Column("usage", String(24), primary_key=True),  # PolicyUsage value
    Column("policy_id", ENTITY_ID, ForeignKey(managed_policies.c.policy_id), primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),  # the owner's account
    # Usage counts and ListEntitiesForPolicy: a policy's users within one account.
    Index(
        "ix_policy_attachments_policy",
        "policy_id",
        "account_id",
        "usage",
        "owner_kind",
        "owner_id",
    ),
)

# AttachmentCount and PermissionsBoundaryUsageCount per (policy, account), kept with every
# attach/detach, so a listing page reads 100 counters instead of counting attachments (an AWS
# managed policy may be attached to every role of an account).
policy_usage_counts = Table(
    "policy_usage_counts",
    metadata,
    Column(
        "policy_id",
        ENTITY_ID,
        ForeignKey(managed_policies.c.policy_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("attachments", Integer(), nullable=False),
    Column("boundaries", Integer(), nullable=False),
)
