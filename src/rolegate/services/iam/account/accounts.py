"""Accounts and their root users
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html): the admin side, not an AWS
API.

An account is created with one root access key; that key acts as the account's root user, which
has full access to its own account only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.entities import AccessKey, Account
from rolegate.domain.ids import IdPrefix, Rng, access_key_id, account_id, secret_access_key
from rolegate.store import Conflict, Tx


class AccountExists(Exception):
    pass


@dataclass(frozen=True, slots=True)
class NewAccount:
    account: Account
    root_key: AccessKey

    def as_json(self) -> dict[str, str]:
        return {
            "AccountId": self.account.account_id,
            "AccessKeyId": self.root_key.access_key_id,
            "SecretAccessKey": self.root_key.secret_access_key,
        }


def create_account(
    tx: Tx,
    *,
    rng: Rng,
    now: datetime,
    account_id_value: str | None = None,
    root_key_id: str | None = None,
    root_secret: str | None = None,
) -> NewAccount:
    account = Account(account_id_value or account_id(rng), now)
    try:
        tx.accounts.create(account)
    except Conflict:
        raise AccountExists(f"account {account.account_id} already exists") from None
    key = add_root_key(
        tx, account.account_id, rng=rng, now=now, key_id=root_key_id, secret=root_secret
    )
    return NewAccount(account, key)


def add_root_key(
    tx: Tx,
    account_id_value: str,
    *,
    rng: Rng,
    now: datetime,
    key_id: str | None = None,
    secret: str | None = None,
) -> AccessKey:
    key = AccessKey(
        access_key_id=key_id or access_key_id(IdPrefix.ACCESS_KEY, rng),
        secret_access_key=secret or secret_access_key(rng),
        account_id=account_id_value,
        user_name=None,
        status="Active",
        create_date=now,
    )
    tx.access_keys.create(key)
    return key


def default_account(tx: Tx, configured: str | None) -> Account | None:
    """The configured default account, else the oldest one."""
    if configured is not None:
        return tx.accounts.get(configured)
    accounts = tx.accounts.list()
    return min(accounts, key=lambda a: (a.create_date, a.account_id)) if accounts else None
