"""The SQLite database file and its WAL and shared-memory files are private to their owner
(SQLite-only: PostgreSQL keeps no files of ours)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import ACCOUNT, T0, AesGcmSealer

from rolegate.domain.entities import Account
from rolegate.store import Store


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what makes SQLite's own files 0644
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_files_are_0600(tmp_path: Path, usual_umask: None) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)  # the data directory exists and is readable by everyone
    database = data_dir / "rolegate.db"
    store = Store.open(f"sqlite:///{database}", sealer=AesGcmSealer())
    try:
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
        files = {path.name: _mode(path) for path in data_dir.iterdir()}
    finally:
        store.close()
    assert files == {
        "rolegate.db": 0o600,
        "rolegate.db-wal": 0o600,
        "rolegate.db-shm": 0o600,
        "rolegate.db-rolegate-changes": 0o600,  # store.change_slot
    }


def test_an_existing_database_keeps_the_mode_its_owner_chose(
    tmp_path: Path, usual_umask: None
) -> None:
    database = tmp_path / "shared.db"
    Store.open(f"sqlite:///{database}", sealer=AesGcmSealer()).close()
    database.chmod(0o640)  # e.g. readable by a backup group
    store = Store.open(f"sqlite:///{database}", sealer=AesGcmSealer())
    try:
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
        assert _mode(database) == 0o640
        assert _mode(tmp_path / "shared.db-wal") == 0o640
        assert _mode(tmp_path / "shared.db-rolegate-changes") == 0o640
    finally:
        store.close()
