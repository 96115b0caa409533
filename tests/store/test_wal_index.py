"""The wal-index header (store.wal_index) and the SQLite probe that reads it before asking
``PRAGMA data_version`` (``Store._probe``): no statement while no connection has committed, and
every commit through another connection seen by the next read transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from store_helpers import ACCOUNT, T0, make_role

from rolegate.domain.entities import Account
from rolegate.store import Store
from rolegate.store.wal_index import HEADER_BYTES, WalIndexHeader


def _wal_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    conn.execute("CREATE TABLE t (x INTEGER)")
    return conn


def test_every_commit_rewrites_the_header(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = _wal_database(path)
    reader = sqlite3.connect(path)
    reader.execute("SELECT count(*) FROM t").fetchone()  # its wal-index is set up
    header = WalIndexHeader.open(str(path))
    assert header is not None
    try:
        seen = header.read()
        assert len(seen) == HEADER_BYTES
        reader.execute("SELECT count(*) FROM t").fetchone()
        assert header.read() == seen  # reads leave it alone
        for value in range(3):
            writer.execute("INSERT INTO t VALUES (?)", (value,))
            assert header.read() != seen
            seen = header.read()
        writer.execute("PRAGMA wal_checkpoint(RESTART)")  # the WAL starts over
        writer.execute("INSERT INTO t VALUES (9)")
        assert header.read() != seen
    finally:
        header.close()
        reader.close()
        writer.close()


def test_no_header_where_there_is_no_file(tmp_path: Path) -> None:
    assert WalIndexHeader.open(":memory:") is None
    assert WalIndexHeader.open("") is None
    assert WalIndexHeader.open(f"file:{tmp_path / 'x.db'}?mode=rwc") is None
    assert WalIndexHeader.open(str(tmp_path / "missing.db")) is None
    (tmp_path / "short.db-shm").write_bytes(b"\0" * 10)  # not set up yet
    assert WalIndexHeader.open(str(tmp_path / "short.db")) is None


def test_an_unchanged_database_is_probed_without_a_statement(
    two_stores: tuple[Store, Store], backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL has no wal-index: its probe is one round trip")
    first, second = two_stores
    with first.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        tx.roles.create(make_role("watched"))
    for _ in range(3):  # the probe's connection and its header are set up
        with second.transaction(write=False) as tx:
            assert tx.roles.get(ACCOUNT, "watched") is not None
    traced: list[str] = []
    second._probe_connection.driver_connection.set_trace_callback(traced.append)
    for _ in range(5):
        with second.transaction(write=False) as tx:
            assert tx.roles.get(ACCOUNT, "watched") is not None
    assert traced == []
    with first.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "watched")
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "watched") is None
    assert "PRAGMA data_version" in traced
