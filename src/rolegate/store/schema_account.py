"""Account settings: the account alias, the password policy and quota overrides (revision
``r0009``), on the same ``metadata`` as ``schema.py``.

An alias is unique across all accounts
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "IAM name
requirements") and an account has at most one: the primary key on the alias and the unique index on
the account decide between concurrent CreateAccountAlias calls. A quota row exists only where an
administrator changed AWS's default (``rolegate account quota set``).

Revision ``r0013`` adds ``account_properties`` (PutAccountProperties' key-value pairs) and
``sts_preferences`` (SetSecurityTokenServicePreferences' global endpoint token version; no row:
AWS's default).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table

from rolegate.store.schema import ACCOUNT_ID, metadata

account_aliases = Table(
    "account_aliases",
    metadata,
    Column("account_alias", String(63), primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Index("ux_account_aliases_account", "account_id", unique=True),
)

password_policies = Table(
    "password_policies",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("minimum_password_length", Integer(), nullable=False),
    Column("require_symbols", Boolean(), nullable=False),
    Column("require_numbers", Boolean(), nullable=False),
    Column("require_uppercase_characters", Boolean(), nullable=False),
    Column("require_lowercase_characters", Boolean(), nullable=False),
    Column("allow_users_to_change_password", Boolean(), nullable=False),
    Column("max_password_age", Integer(), nullable=True),  # NULL: passwords never expire
    Column("password_reuse_prevention", Integer(), nullable=True),
    Column("hard_expiry", Boolean(), nullable=True),  # NULL: not given
)

account_quotas = Table(
    "account_quotas",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("quota_name", String(64), primary_key=True),  # GetAccountSummary's key: RolesQuota
    Column("quota_value", Integer(), nullable=False),
)

account_properties = Table(
    "account_properties",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("property_key", String(50), primary_key=True),  # Namespace/PropertyName
    Column("property_value", String(1024), nullable=False),
)

sts_preferences = Table(
    "sts_preferences",
    metadata,
    Column("account_id", ACCOUNT_ID, primary_key=True),
    Column("global_endpoint_token_version", String(16), nullable=False),
)
