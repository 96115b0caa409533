"""The change word of SQLite stores (store.change_slot): what spares the probe's statement while no
rolegate process has committed a change, and what bounds how long a change made without it can go
unseen. SQLite only: PostgreSQL stores have no word."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import ACCOUNT, T0, AesGcmSealer

import rolegate.store.store as store_module
from rolegate.domain.entities import AccessKey, Account
from rolegate.store import Store
from rolegate.store.change_slot import SUFFIX, ChangeSlot, announce_change

KEY_ID = "AKIACHANGESLOTTEST01"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "rolegate.db"


@pytest.fixture
def stores(database: Path) -> Iterator[tuple[Store, Store]]:
    """Two stores on one file: two worker processes of a node, or two nodes."""
    sealer = AesGcmSealer()
    first = Store.open(f"sqlite:///{database}", sealer=sealer)
    second = Store.open(f"sqlite:///{database}", sealer=sealer)
    with first.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        tx.access_keys.create(AccessKey(KEY_ID, "secret/0123456789", ACCOUNT, None, "Active", T0))
    try:
        yield first, second
    finally:
        second.close()
        first.close()


def key_status(store: Store) -> str:
    with store.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
        assert key is not None
        return key.status


def probe_statements(store: Store) -> list[str]:
    """The statements the store's probe connection runs from now on."""
    seen: list[str] = []
    store._probe_connection.driver_connection.set_trace_callback(seen.append)
    return seen


def test_while_the_word_holds_the_probe_asks_sqlite_nothing(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    _, second = stores
    assert key_status(second) == "Active"  # a full probe
    seen = probe_statements(second)
    for _ in range(5):
        assert key_status(second) == "Active"
    assert seen == []


def test_a_change_another_store_announces_is_seen_by_the_next_read(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)  # the word alone must tell
    first, second = stores
    assert key_status(second) == "Active"
    seen = probe_statements(second)
    with first.transaction() as tx:
        assert tx.access_keys.set_status(KEY_ID, "Inactive")
    assert key_status(second) == "Inactive"
    assert "PRAGMA data_version" in seen


def test_audit_events_announce_nothing(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    first, second = stores
    assert key_status(second) == "Active"
    word = ChangeSlot.open(str(second.engine.url.database))
    assert word is not None
    before = word.read()
    with first.transaction(counts_as_change=False):
        pass
    assert word.read() == before
    seen = probe_statements(second)
    assert key_status(second) == "Active"
    assert seen == []


def test_a_change_made_without_the_word_is_seen_once_its_trust_runs_out(
    stores: tuple[Store, Store], database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program (or a process killed between its commit and its announcement): seen
    within TRUST_SECONDS, the bound for changes not made through this process."""
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 0.2)
    _, second = stores
    assert key_status(second) == "Active"
    outsider = sqlite3.connect(database)
    try:
        with outsider:
            outsider.execute(
                "UPDATE access_keys SET status = 'Inactive' WHERE access_key_id = ?", (KEY_ID,)
            )
            outsider.execute("UPDATE change_serial SET serial = serial + 1 WHERE id = 1")
    finally:
        outsider.close()
    time.sleep(0.25)
    assert key_status(second) == "Inactive"


def test_every_store_on_the_file_reads_one_word(stores: tuple[Store, Store]) -> None:
    first, second = stores
    assert first._slot is not None and second._slot is not None
    before = second._slot.read()
    first._slot.announce()
    assert second._slot.read() != before
    after = second._slot.read()
    announce_change(str(first.engine.url.database))  # what a restore does once it committed
    assert second._slot.read() != after


def test_without_a_word_the_probe_asks_sqlite_every_time(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    database.parent.joinpath(database.name + SUFFIX).mkdir()  # cannot be mapped
    store = Store.open(f"sqlite:///{database}", sealer=AesGcmSealer())
    try:
        assert store._slot is None
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
        store.change_serial()
        seen = probe_statements(store)
        for _ in range(3):
            store.change_serial()
        assert seen.count("PRAGMA data_version") == 3
    finally:
        store.close()


def test_a_link_planted_where_the_word_goes_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    database = tmp_path / "rolegate.db"
    database.touch()
    (tmp_path / ("rolegate.db" + SUFFIX)).symlink_to(victim)
    assert ChangeSlot.open(str(database)) is None  # the store then probes SQLite every time
    announce_change(str(database))
    assert victim.read_bytes() == b"precious"
