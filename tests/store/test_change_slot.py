"""The change word (store.change_slot), on both backends: what spares the probe (SQLite's
``PRAGMA data_version``, PostgreSQL's round trip) while no process sharing the word has committed
a change, and what bounds how long a change the word does not announce can go unseen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from store_helpers import ACCOUNT, T0, AesGcmSealer

import rolegate.store.store as store_module
from rolegate.domain.entities import AccessKey, Account
from rolegate.store import Store
from rolegate.store.change_slot import (
    NODE_WORD,
    SUFFIX,
    ChangeSlot,
    announce_change,
    sqlite_word,
)

KEY_ID = "AKIACHANGESLOTTEST01"


@pytest.fixture
def word(tmp_path: Path) -> str:
    """The node's word on PostgreSQL (SQLite's is beside its file whatever is given)."""
    return str(tmp_path / NODE_WORD)


@pytest.fixture
def stores(url: str, word: str, sealer: AesGcmSealer) -> Iterator[tuple[Store, Store]]:
    """Two stores sharing one database and one word: two processes of one node."""
    first = Store.open(url, sealer=sealer, change_word=word)
    second = Store.open(url, sealer=sealer, change_word=word)
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


class CountingConnection:
    """The probe's connection, counting the cursors it opens (one per probe's visit)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cursors = 0

    def cursor(self) -> Any:
        self.cursors += 1
        return self.inner.cursor()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def count_probes(store: Store) -> CountingConnection:
    counting = CountingConnection(store._probe_connection)
    store._probe_connection = counting
    return counting


def test_while_the_word_holds_the_probe_asks_the_database_nothing(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    _, second = stores
    assert key_status(second) == "Active"  # a full probe
    probes = count_probes(second)
    for _ in range(5):
        assert key_status(second) == "Active"
    assert probes.cursors == 0


def test_a_change_another_process_announces_is_seen_by_the_next_read(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)  # the word alone must tell
    first, second = stores
    assert key_status(second) == "Active"
    probes = count_probes(second)
    with first.transaction() as tx:
        assert tx.access_keys.set_status(KEY_ID, "Inactive")
    assert key_status(second) == "Inactive"
    assert probes.cursors == 1


def test_audit_events_announce_nothing(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    first, second = stores
    assert key_status(second) == "Active"
    assert first._slot is not None
    before = first._slot.read()
    with first.transaction(counts_as_change=False):
        pass
    assert first._slot.read() == before
    probes = count_probes(second)
    assert key_status(second) == "Active"
    assert probes.cursors == 0


def test_a_change_never_announced_is_seen_once_the_trust_runs_out(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another node, another program, or a process killed between its commit and its
    announcement: seen within TRUST_SECONDS, the bound for changes made elsewhere."""
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 0.2)
    first, second = stores
    assert key_status(second) == "Active"
    assert first._slot is not None
    before = first._slot.read()
    with first.transaction() as tx:
        assert tx.access_keys.set_status(KEY_ID, "Inactive")
    first._slot._word[0] = before  # as if the announcement had never been written
    time.sleep(0.25)
    assert key_status(second) == "Inactive"


def test_every_store_sharing_the_word_reads_the_same_value(
    stores: tuple[Store, Store],
) -> None:
    first, second = stores
    assert first._slot is not None and second._slot is not None
    before = second._slot.read()
    first._slot.announce()
    assert second._slot.read() != before


def test_postgresql_stores_on_the_loop_skip_the_round_trip_while_the_word_holds(
    backend: str, stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite reads its serial inside the transaction: there is no loop probe")
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    first, second = stores

    async def serials() -> tuple[list[int | None], int]:
        first_serial = await second.serial_on_loop()
        probe = second._loop_probe
        assert probe is not None
        asked = 0
        original = probe.serial

        async def counted() -> int:
            nonlocal asked
            asked += 1
            return await original()

        probe.serial = counted  # type: ignore[method-assign]
        try:
            seen = [first_serial, await second.serial_on_loop(), await second.serial_on_loop()]
            with first.transaction() as tx:
                assert tx.access_keys.set_status(KEY_ID, "Inactive")
            seen.append(await second.serial_on_loop())
            return seen, asked
        finally:
            await second.close_loop_probe()

    seen, asked = asyncio.run(serials())
    assert seen[0] == seen[1] == seen[2] != seen[3]
    assert asked == 1  # only after the announced change


def test_without_a_word_the_probe_asks_the_database_every_time(
    url: str, sealer: AesGcmSealer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "TRUST_SECONDS", 60.0)
    database = url.removeprefix("sqlite:///")
    blocked = sqlite_word(database) if url.startswith("sqlite") else str(tmp_path / "blocked")
    Path(blocked).mkdir()  # a directory where the word would go: it cannot be mapped
    store = Store.open(url, sealer=sealer, change_word=blocked)
    try:
        assert store._slot is None
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
        store.change_serial()
        probes = count_probes(store)
        for _ in range(3):
            store.change_serial()
        assert probes.cursors == 3
    finally:
        store.close()


def test_a_restore_announces_on_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "rolegate.db"
    database.touch()
    word = ChangeSlot.open(sqlite_word(str(database)), str(database))
    assert word is not None
    before = word.read()
    announce_change(str(database))  # what a restore does once it has committed
    assert word.read() != before


def test_a_link_planted_where_the_word_goes_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    database = tmp_path / "rolegate.db"
    database.touch()
    (tmp_path / ("rolegate.db" + SUFFIX)).symlink_to(victim)
    assert ChangeSlot.open(sqlite_word(str(database)), str(database)) is None
    announce_change(str(database))
    assert victim.read_bytes() == b"precious"


def test_a_full_disk_leaves_the_word_unmapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its block is allocated before it is mapped: no full disk can fault a store through it."""

    def no_space(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.posix_fallocate", no_space)
    assert ChangeSlot.open(str(tmp_path / NODE_WORD)) is None
