"""Per-account settings: the alias, the password policy and quota overrides (``schema_account``).

Also the account-row lock that makes the per-account quotas exact: a create that counts the
account's entities first holds the account's row (PostgreSQL ``FOR UPDATE``; SQLite's write
transactions are serialised already), so two concurrent creates cannot both pass the count.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Connection

from rolegate.domain.password_policy import PasswordPolicy
from rolegate.store.dialects import insert_ignoring_duplicates, upsert
from rolegate.store.errors import Conflict
from rolegate.store.prepared import Prepared
from rolegate.store.schema import accounts
from rolegate.store.schema_account import (
    account_aliases,
    account_properties,
    account_quotas,
    password_policies,
    sts_preferences,
)

_POLICY_COLUMNS = tuple(f.name for f in fields(PasswordPolicy))
# Every create counted against a quota runs these two: built once.
_LOCK_ACCOUNT = Prepared(
    select(accounts.c.account_id)
    .where(accounts.c.account_id == bindparam("account_id"))
    .with_for_update()
)
_QUOTA_OVERRIDE = Prepared(
    select(account_quotas.c.quota_value).where(
        account_quotas.c.account_id == bindparam("account_id"),
        account_quotas.c.quota_name == bindparam("quota_name"),
    )
)


class AccountSettingsRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock_account(self, account_id: str) -> None:
        """Hold the account's row until the transaction ends (see the module docstring)."""
        _LOCK_ACCOUNT.all(self._conn, {"account_id": account_id})

    # --- alias -----------------------------------------------------------------------------------
    def alias(self, account_id: str) -> str | None:
        t = account_aliases.c
        value = self._conn.execute(
            select(t.account_alias).where(t.account_id == account_id)
        ).scalar()
        return None if value is None else str(value)

    def account_of_alias(self, alias: str) -> str | None:
        """The account whose alias is ``alias`` (the console's sign-in page takes either)."""
        t = account_aliases.c
        value = self._conn.execute(select(t.account_id).where(t.account_alias == alias)).scalar()
        return None if value is None else str(value)

    def set_alias(self, account_id: str, alias: str) -> None:
        """Make ``alias`` the account's only alias; Conflict if another account holds it."""
        t = account_aliases.c
        self._conn.execute(
            delete(account_aliases).where(t.account_id == account_id, t.account_alias != alias)
        )
        stmt = insert_ignoring_duplicates(account_aliases, self._conn.dialect.name)
        if self._conn.execute(stmt, {"account_alias": alias, "account_id": account_id}).rowcount:
            return
        if self.alias(account_id) != alias:
            raise Conflict(f"account alias {alias} is taken")

    def delete_alias(self, account_id: str, alias: str) -> bool:
        t = account_aliases.c
        result = self._conn.execute(
            delete(account_aliases).where(t.account_id == account_id, t.account_alias == alias)
        )
        return result.rowcount > 0

    # --- password policy ------------------------------------------------------------------------
    def password_policy(self, account_id: str) -> PasswordPolicy | None:
        t = password_policies
        row = self._conn.execute(select(t).where(t.c.account_id == account_id)).first()
        if row is None:
            return None
        return PasswordPolicy(**{name: getattr(row, name) for name in _POLICY_COLUMNS})

    def put_password_policy(self, account_id: str, policy: PasswordPolicy) -> None:
        stmt = upsert(password_policies, self._conn.dialect.name, ("account_id",), _POLICY_COLUMNS)
        self._conn.execute(stmt, {"account_id": account_id, **asdict(policy)})

    def delete_password_policy(self, account_id: str) -> bool:
        t = password_policies.c
        return (
            self._conn.execute(delete(password_policies).where(t.account_id == account_id)).rowcount
            > 0
        )

    # --- quota overrides ------------------------------------------------------------------------
    def quota_overrides(self, account_id: str) -> dict[str, int]:
        t = account_quotas.c
        rows = self._conn.execute(
            select(t.quota_name, t.quota_value).where(t.account_id == account_id)
        )
        return {row.quota_name: int(row.quota_value) for row in rows}

    def quota_override(self, account_id: str, quota_name: str) -> int | None:
        params = {"account_id": account_id, "quota_name": quota_name}
        value = _QUOTA_OVERRIDE.scalar(self._conn, params)
        return None if value is None else int(value)

    def set_quota(self, account_id: str, quota_name: str, value: int) -> None:
        stmt = upsert(
            account_quotas, self._conn.dialect.name, ("account_id", "quota_name"), ("quota_value",)
        )
        self._conn.execute(
            stmt, {"account_id": account_id, "quota_name": quota_name, "quota_value": value}
        )

    def clear_quota(self, account_id: str, quota_name: str) -> bool:
        t = account_quotas.c
        result = self._conn.execute(
            delete(account_quotas).where(t.account_id == account_id, t.quota_name == quota_name)
        )
        return result.rowcount > 0

    # --- account properties and STS preferences -------------------------------------------------
    def account_properties(self, account_id: str) -> dict[str, str]:
        """PutAccountProperties' pairs, by key."""
        t = account_properties.c
        rows = self._conn.execute(
            select(t.property_key, t.property_value)
            .where(t.account_id == account_id)
            .order_by(t.property_key)
        )
        return {row.property_key: row.property_value for row in rows}

    def put_account_properties(self, account_id: str, properties: dict[str, str]) -> None:
        stmt = upsert(
            account_properties,
            self._conn.dialect.name,
            ("account_id", "property_key"),
            ("property_value",),
        )
        for key, value in properties.items():
            self._conn.execute(
                stmt, {"account_id": account_id, "property_key": key, "property_value": value}
            )

    def global_endpoint_token_version(self, account_id: str) -> str | None:
        """SetSecurityTokenServicePreferences' version (None: never set)."""
        t = sts_preferences.c
        value = self._conn.execute(
            select(t.global_endpoint_token_version).where(t.account_id == account_id)
        ).scalar()
        return None if value is None else str(value)

    def set_global_endpoint_token_version(self, account_id: str, version: str) -> None:
        stmt = upsert(
            sts_preferences,
            self._conn.dialect.name,
            ("account_id",),
            ("global_endpoint_token_version",),
        )
        self._conn.execute(
            stmt, {"account_id": account_id, "global_endpoint_token_version": version}
        )
