"""Virtual MFA devices: create, sealed seed, enable/deactivate, one-time use of a TOTP step, and
the count of wrong codes (kept by a failing request; no update lost between nodes)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import select
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, AesGcmSealer

from rolegate.domain.entities import Tag
from rolegate.domain.errors import AccessDenied
from rolegate.domain.mfa import MfaAttempts, MfaDevice
from rolegate.store import CommitAndRaise, Conflict, Store
from rolegate.store.schema_mfa import mfa_devices

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def device(name: str, *, account_id: str = ACCOUNT) -> MfaDevice:
    return MfaDevice(
        account_id=account_id,
        serial_number=f"arn:aws:iam::{account_id}:mfa/{name}",
        device_name=name,
        path="/",
        seed=SEED,
        create_date=T0,
        tags=(Tag("team", "blue"),),
    )


def test_create_get_and_seed_sealed_at_rest(store: Store) -> None:
    with store.transaction() as tx:
        tx.mfa_devices.create(device("alice"))
    with store.transaction() as tx:
        assert tx.mfa_devices.get(device("alice").serial_number) == device("alice")
        raw = tx.connection.execute(select(mfa_devices.c.seed_sealed)).scalar_one()
        assert SEED.encode() not in raw
        assert tx.mfa_devices.get("arn:aws:iam::123456789012:mfa/nobody") is None


def test_duplicate_serial_conflicts(store: Store) -> None:
    with store.transaction() as tx:
        tx.mfa_devices.create(device("dup"))
        with pytest.raises(Conflict):
            tx.mfa_devices.create(device("dup"))


def test_enable_list_deactivate_delete(store: Store) -> None:
    serial = device("bob").serial_number
    with store.transaction() as tx:
        tx.mfa_devices.create(device("bob"))
        tx.mfa_devices.create(device("bob", account_id=OTHER_ACCOUNT))
        tx.mfa_devices.set_user(serial, "bob", T0)
    with store.transaction() as tx:
        assert [d.serial_number for d in tx.mfa_devices.list_for_user(ACCOUNT, "bob")] == [serial]
        assert tx.mfa_devices.list_for_user(OTHER_ACCOUNT, "bob") == []
        assert len(tx.mfa_devices.list_for_account(ACCOUNT)) == 1
        tx.mfa_devices.set_user(serial, None, None)
    with store.transaction() as tx:
        got = tx.mfa_devices.get(serial)
        assert got == replace(device("bob"), user_name=None, enable_date=None)
        assert tx.mfa_devices.delete(serial)
        assert not tx.mfa_devices.delete(serial)


def test_a_time_step_is_accepted_once(store: Store) -> None:
    serial = device("carol").serial_number
    with store.transaction() as tx:
        tx.mfa_devices.create(device("carol"))
        assert tx.mfa_devices.advance_step(serial, 100)
        assert not tx.mfa_devices.advance_step(serial, 100)
        assert not tx.mfa_devices.advance_step(serial, 99)
        assert tx.mfa_devices.advance_step(serial, 101)
        device_now = tx.mfa_devices.get(serial)
        assert device_now is not None and device_now.last_used_step == 101


def test_tags_are_replaced_in_order(store: Store) -> None:
    serial = device("dave").serial_number
    with store.transaction() as tx:
        tx.mfa_devices.create(device("dave"))
        tx.mfa_devices.set_tags(serial, [Tag("b", "2"), Tag("a", "1")])
    with store.transaction() as tx:
        got = tx.mfa_devices.get(serial)
        assert got is not None and got.tags == (Tag("b", "2"), Tag("a", "1"))


def test_attempts_start_at_zero_and_are_stored(store: Store) -> None:
    serial = device("erin").serial_number
    with store.transaction() as tx:
        assert tx.mfa_devices.lock_attempts(serial) is None
        tx.mfa_devices.create(device("erin"))
        assert tx.mfa_devices.lock_attempts(serial) == MfaAttempts()
        tx.mfa_devices.set_attempts(serial, MfaAttempts(5, T0))
    with store.transaction() as tx:
        assert tx.mfa_devices.lock_attempts(serial) == MfaAttempts(5, T0)
        assert tx.mfa_devices.get(serial) == device("erin")  # the device itself is unchanged


def test_commit_and_raise_keeps_the_count_and_raises_its_error(store: Store) -> None:
    """A wrong code fails its request, yet its count must stay; any other failure still
    rolls back."""
    serial = device("fred").serial_number
    with store.transaction() as tx:
        tx.mfa_devices.create(device("fred"))
    refusal = AccessDenied("wrong code")
    with pytest.raises(AccessDenied) as raised, store.transaction() as tx:
        tx.mfa_devices.set_attempts(serial, MfaAttempts(3, T0))
        raise CommitAndRaise(refusal)
    assert raised.value is refusal
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.mfa_devices.set_attempts(serial, MfaAttempts(4))
        raise RuntimeError("a failure that changes nothing")
    with store.transaction(write=False) as tx:
        assert tx.mfa_devices.lock_attempts(serial) == MfaAttempts(3, T0)


def test_concurrent_counts_on_two_nodes_lose_no_update(url: str, sealer: AesGcmSealer) -> None:
    """Four writers on two stores (two nodes) each count ten failures, reading the count and
    writing it back a moment later: the row lock makes them take turns, so all 40 count."""
    nodes = [Store.open(url, sealer=sealer) for _ in range(2)]
    serial = device("gina").serial_number
    try:
        with nodes[0].transaction() as tx:
            tx.mfa_devices.create(device("gina"))
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def count_failures(node: Store) -> None:
            barrier.wait()
            try:
                for _ in range(10):
                    with node.transaction() as tx:
                        attempts = tx.mfa_devices.lock_attempts(serial)
                        assert attempts is not None
                        time.sleep(0.005)  # checking the code, while the others try
                        tx.mfa_devices.set_attempts(serial, MfaAttempts(attempts.failures + 1))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=count_failures, args=(nodes[i % 2],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        with nodes[1].transaction(write=False) as tx:
            assert tx.mfa_devices.lock_attempts(serial) == MfaAttempts(40)
    finally:
        for node in nodes:
            node.close()
