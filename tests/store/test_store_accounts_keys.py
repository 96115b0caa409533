"""Accounts and access keys (secrets sealed at rest)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0

from rolegate.domain.entities import AccessKey, Account
from rolegate.store import Conflict, Store

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _key(
    key_id: str, *, user: str | None = None, account: str = ACCOUNT, age: int = 0
) -> AccessKey:
    return AccessKey(
        access_key_id=key_id,
        secret_access_key=f"{SECRET}-{key_id}",
        account_id=account,
        user_name=user,
        status="Active",
        create_date=T0 + timedelta(seconds=age),
    )


def test_accounts_create_get_list_sorted_by_id(store: Store) -> None:
    with store.transaction() as tx:
        tx.accounts.create(Account(OTHER_ACCOUNT, T0))
        tx.accounts.create(Account(ACCOUNT, T0 + timedelta(microseconds=1)))
    with store.transaction(write=False) as tx:
        assert tx.accounts.get(ACCOUNT) == Account(ACCOUNT, T0 + timedelta(microseconds=1))
        assert tx.accounts.get("000000000000") is None
        assert [a.account_id for a in tx.accounts.list()] == [ACCOUNT, OTHER_ACCOUNT]


def test_duplicate_account_is_a_conflict_and_the_transaction_stays_usable(store: Store) -> None:
    with store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
    with store.transaction() as tx:
        with pytest.raises(Conflict):
            tx.accounts.create(Account(ACCOUNT, T0 + timedelta(days=1)))
        tx.accounts.create(Account(OTHER_ACCOUNT, T0))  # PostgreSQL would refuse an aborted tx
    with store.transaction() as tx:
        assert tx.accounts.get(ACCOUNT) == Account(ACCOUNT, T0)
        assert len(tx.accounts.list()) == 2


def test_access_key_round_trip_unseals_the_secret(store: Store) -> None:
    key = _key("AKIAEXAMPLE1")
    with store.transaction() as tx:
        tx.access_keys.create(key)
    with store.transaction() as tx:
        assert tx.access_keys.get("AKIAEXAMPLE1") == key
        assert tx.access_keys.get("AKIAEXAMPLE2") is None


def test_secret_is_not_stored_in_plain_text(store: Store) -> None:
    key = _key("AKIAEXAMPLE1")
    with store.transaction() as tx:
        tx.access_keys.create(key)
        raw = tx.connection.execute(text("SELECT * FROM access_keys")).one()
    dumped = repr(tuple(raw)).encode() + b"".join(
        bytes(v) for v in raw if isinstance(v, bytes | memoryview)
    )
    assert key.secret_access_key.encode() not in dumped
    assert SECRET.encode() not in dumped
    assert b"wJalrXUtnFEMI" not in dumped


def test_sealed_secret_is_bound_to_its_key_id(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(_key("AKIAEXAMPLE1"))
        tx.access_keys.create(_key("AKIAEXAMPLE2"))
        # Move key 1's sealed secret onto key 2: opening it must fail (AAD = access key id).
        tx.connection.execute(
            text(
                "UPDATE access_keys SET secret_sealed = "
                "(SELECT secret_sealed FROM access_keys WHERE access_key_id = 'AKIAEXAMPLE1') "
                "WHERE access_key_id = 'AKIAEXAMPLE2'"
            )
        )
    with store.transaction() as tx, pytest.raises(InvalidTag):
        tx.access_keys.get("AKIAEXAMPLE2")


def test_duplicate_access_key_id_is_a_conflict(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(_key("AKIAEXAMPLE1"))
        with pytest.raises(Conflict):
            tx.access_keys.create(_key("AKIAEXAMPLE1", user="bob"))
    with store.transaction() as tx:
        got = tx.access_keys.get("AKIAEXAMPLE1")
        assert got is not None and got.user_name is None


def test_list_for_separates_root_users_and_accounts_oldest_first(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(_key("AKIAROOT2", age=5))
        tx.access_keys.create(_key("AKIAROOT1", age=1))
        tx.access_keys.create(_key("AKIABOB1", user="bob"))
        tx.access_keys.create(_key("AKIAOTHER", account=OTHER_ACCOUNT))
    with store.transaction() as tx:
        assert [k.access_key_id for k in tx.access_keys.list_for(ACCOUNT, None)] == [
            "AKIAROOT1",
            "AKIAROOT2",
        ]
        assert [k.access_key_id for k in tx.access_keys.list_for(ACCOUNT, "bob")] == ["AKIABOB1"]
        assert tx.access_keys.list_for(ACCOUNT, "alice") == []
        assert [k.access_key_id for k in tx.access_keys.list_for(OTHER_ACCOUNT, None)] == [
            "AKIAOTHER"
        ]


def test_set_status_and_delete(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(_key("AKIAEXAMPLE1"))
        assert tx.access_keys.set_status("AKIAEXAMPLE1", "Inactive")
        assert not tx.access_keys.set_status("AKIANOPE", "Inactive")
    with store.transaction() as tx:
        got = tx.access_keys.get("AKIAEXAMPLE1")
        assert got is not None and got.status == "Inactive"
        assert tx.access_keys.delete("AKIAEXAMPLE1")
        assert not tx.access_keys.delete("AKIAEXAMPLE1")
        assert tx.access_keys.get("AKIAEXAMPLE1") is None
