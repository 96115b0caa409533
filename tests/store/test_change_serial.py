"""The change serial (store.change_serial) is moved last in every transaction: a read
transaction's last-used writes and a writer never wait on each other in a cycle."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

from store_helpers import ACCOUNT, T0, make_role

from rolegate.domain.entities import AccessKey, Account
from rolegate.store import Store

KEY_ID = "AKIACHANGESERIAL0001"
LATER = T0 + timedelta(hours=1)


def test_last_used_writes_and_a_writer_on_the_same_role_both_complete(store: Store) -> None:
    """A read transaction records its key's use, then (while a writer has changed the role and
    waits to commit) its role's use. Had the key's write moved the serial there and then, the
    read would hold the serial's row while waiting for the role's, and the writer the role's
    while waiting for the serial's: PostgreSQL would end one of them as a deadlock."""
    with store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        tx.access_keys.create(AccessKey(KEY_ID, "secret", ACCOUNT, None, "Active", T0))
        tx.roles.create(make_role("used"))
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with store.transaction() as tx:
                role = tx.roles.get(ACCOUNT, "used")
                assert role is not None
                tx.roles.update(replace(role, description="changed"))
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    with store.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
        role = tx.roles.get(ACCOUNT, "used")
        assert key is not None and role is not None
        assert tx.access_keys.record_use(key, LATER, "iam", "us-east-1")
        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(1.0)  # the writer has its row (PostgreSQL) or waits for the lock (SQLite)
        tx.roles.record_use(role.role_id, LATER, "eu-west-1")
    thread.join(30)
    assert not thread.is_alive() and failures == []
    with store.transaction(write=False) as tx:
        role = tx.roles.get(ACCOUNT, "used")
        key = tx.access_keys.get(KEY_ID)
    assert role is not None and role.description == "changed"
    assert (role.last_used_date, role.last_used_region) == (LATER, "eu-west-1")
    assert key is not None and key.last_used_date == LATER.replace(second=0, microsecond=0)
