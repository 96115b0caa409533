"""``rolegate db restore`` streams: the memory a restore holds does not grow with the backup's
size (one batch of rows at a time), on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

from rolegate.store.backup import FORMAT, FORMAT_VERSION, restore_backup
from rolegate.store.dialects import create_store_engine
from rolegate.store.migrate import head_revision
from rolegate.store.snapshot import TableDigest

from conftest_db import fresh_database_url


def _backup_of_accounts(path: Path, count: int) -> None:
    """A backup holding ``count`` accounts and nothing else."""
    digest = TableDigest()
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": head_revision(),
    }
    with gzip.open(path, "wt") as out:
        out.write(json.dumps(header) + "\n")
        out.write(
            json.dumps({"table": "accounts", "columns": ["account_id", "create_date"]}) + "\n"
        )
        for number in range(count):
            row = [f"{number:012d}", "2026-12-07T09:00:00+00:00"]
            digest.add(row)
            out.write(json.dumps(row) + "\n")
        end = {"counts": {"accounts": count}, "digests": {"accounts": digest.hex}}
        out.write(json.dumps({"end": end}) + "\n")


def _peak_restoring(backend: str, directory: Path, rows: int) -> int:
    backup = directory / f"accounts-{rows}.gz"
    _backup_of_accounts(backup, rows)
    with fresh_database_url(backend, directory) as url:
        engine = create_store_engine(url)
        try:
            tracemalloc.start()
            summary = restore_backup(engine, backup, force=False)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            engine.dispose()
    assert summary.counts["accounts"] == rows
    return peak


def test_restore_memory_does_not_grow_with_the_backup(backend: str, tmp_path: Path) -> None:
    small = _peak_restoring(backend, tmp_path, 500)
    large = _peak_restoring(backend, tmp_path, 4_000)
    # eight times the rows: about the same peak (one batch of rows, the schema's objects)
    assert large < small * 1.5, (small, large)
