"""Accounts: the tenants every other row belongs to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Account
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema import accounts

_BY_ID = select(accounts).where(accounts.c.account_id == bindparam("account_id"))


class AccountRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, account: Account) -> None:
        """Insert ``account``; raises Conflict if the id exists (the transaction stays usable)."""
        values = entity_values(account, accounts)
        insert_new(self._conn, accounts, values, f"account {account.account_id} exists")

    def get(self, account_id: str) -> Account | None:
        row = self._conn.execute(_BY_ID, {"account_id": account_id}).first()
        return None if row is None else _account(row)

    def list(self) -> list[Account]:
        rows = self._conn.execute(select(accounts).order_by(accounts.c.account_id))
        return [_account(row) for row in rows]


def _account(row: Any) -> Account:
    return entity_from_row(Account, row)
