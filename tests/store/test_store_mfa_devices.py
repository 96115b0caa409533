"""Virtual MFA devices: create, sealed seed, enable/deactivate, one-time use of a TOTP step."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0

from rolegate.domain.entities import Tag
from rolegate.domain.mfa import MfaDevice
from rolegate.store import Conflict, Store
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
