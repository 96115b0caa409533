"""The current schema as SQLAlchemy Core tables (migrations create it; repos query it).

Inline policies and tags have one table per owner kind (``role_policies``, later
``user_policies``...) built by the same factory, so each has a real foreign key with
``ON DELETE CASCADE`` and the repos are written once.

Accounts are referenced by id only (no foreign key): an account id is an opaque 12-digit string
and deleting accounts is not an operation.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from rolegate.store.types import PrincipalIdsJson, UtcTimestamp, sort_key_type

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ACCOUNT_ID = String(12)
ENTITY_ID = String(128)  # AROA..., AIDA..., AKIA... (IAM allows up to 128 characters)
ARN = String(2048)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("create_date", UtcTimestamp(), nullable=False),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("user_name", String(64), nullable=True),  # NULL: the account's root user
    Column("status", String(16), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("secret_sealed", LargeBinary(), nullable=False),  # Sealer output, never plain text
    # GetAccessKeyLastUsed (r0002): the last authenticated use, to the minute.
    Column("last_used_date", UtcTimestamp(), nullable=True),
    Column("last_used_service", String(64), nullable=True),
    Column("last_used_region", String(64), nullable=True),
    Index("ix_access_keys_owner", "account_id", "user_name", "create_date"),
)

roles = Table(
    "roles",
    metadata,
    Column("role_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("role_name", String(64), nullable=False),
    Column("name_key", sort_key_type(256), nullable=False),  # lower(role_name)
    Column("path", String(512), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("assume_role_policy_document", Text(), nullable=False),
    Column("description", String(1000), nullable=True),
    Column("max_session_duration", Integer(), nullable=False),
    Column("permissions_boundary_arn", ARN, nullable=True),
    Column("last_used_date", UtcTimestamp(), nullable=True),
    Column("last_used_region", String(64), nullable=True),
    # r0010: the trust policy's user and role principals bound to unique ids, as a JSON object
    # {"ARN as written": "AIDA…/AROA…"}; NULL when it names none (Role.trust_principal_ids).
    Column("trust_principal_ids", PrincipalIdsJson(), nullable=True),
    # Role names are unique per account, not distinguished by case (id_roles_create*.md); the
    # same index serves the case-insensitive lookup and ListRoles' keyset pagination.
    Index("ux_roles_account_name", "account_id", "name_key", unique=True),
)

users = Table(
    "users",
    metadata,
    Column("user_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("user_name", String(64), nullable=False),
    Column("name_key", sort_key_type(256), nullable=False),  # lower(user_name)
    Column("path", String(512), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("permissions_boundary_arn", ARN, nullable=True),
    # User names are unique per account without regard to case
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
    Index("ux_users_account_name", "account_id", "name_key", unique=True),
)


def tag_table(name: str, owner: Table, owner_column: str) -> Table:
    """Tags of one owner kind, in the order the client gave them (``position``)."""
    return Table(
        name,
        metadata,
        Column(
            "owner_id",
            ENTITY_ID,
            ForeignKey(owner.c[owner_column], ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("position", Integer(), primary_key=True, autoincrement=False),
        Column("tag_key", String(128), nullable=False),
        Column("tag_value", String(256), nullable=False),
    )


def inline_policy_table(name: str, owner: Table, owner_column: str) -> Table:
    """Inline policies of one owner kind, unique per owner by case-folded name."""
    return Table(
        name,
        metadata,
        Column(
            "owner_id",
            ENTITY_ID,
            ForeignKey(owner.c[owner_column], ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("name_key", sort_key_type(512), primary_key=True),  # lower(policy_name)
        Column("policy_name", String(128), nullable=False),
        Column("policy_document", Text(), nullable=False),
    )


role_tags = tag_table("role_tags", roles, "role_id")
role_policies = inline_policy_table("role_policies", roles, "role_id")
user_tags = tag_table("user_tags", users, "user_id")
user_policies = inline_policy_table("user_policies", users, "user_id")
