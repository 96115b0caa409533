"""``rolegate db backup`` / ``restore``: a database's rows in a portable file (docs/operations.md).

The file is gzip-compressed JSON lines, the same for SQLite and PostgreSQL:

    {"format": "rolegate-backup", "format_version": 1, "schema_revision": "r0015", ...}
    {"table": "accounts", "columns": ["account_id", "create_date", ...]}
    ["123456789012", "2026-12-07T09:00:00+00:00", ...]          one line per row
    ...
    {"end": {"counts": {"accounts": 1, ...}, "digests": {"accounts": "…", ...}}}

Values as ``store.snapshot`` encodes them (ISO datetimes, base64 binary). The backup is read
from one snapshot while the server goes on serving, and written to a private temporary file
(mode 0600: it holds sealed secrets and password hashes) renamed into place when complete.
Restoring reads the file line by line into one transaction (``store.transfer.load``).

Sealed values (access keys' secrets, signing keys, MFA seeds) are ciphertext under the master key,
which is never part of a backup: keep the key file with the backup, separately protected.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from rolegate.store.snapshot import current_revision, read_snapshot
from rolegate.store.transfer import End, Event, TableStart, TransferError, dump, load

FORMAT = "rolegate-backup"
FORMAT_VERSION = 1


class _Lines(Protocol):
    """What is used of a gzip file: lines in, bytes out."""

    def readline(self, size: int = -1, /) -> bytes: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def write(self, data: bytes, /) -> int: ...


@dataclass(frozen=True, slots=True)
class BackupSummary:
    revision: str
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def rolegate_version() -> str:
    try:
        return package_metadata.version("rolegate")
    except package_metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def write_backup(engine: Engine, path: Path) -> BackupSummary:
    """Write every row of ``engine``'s database, from one snapshot, to ``path``."""
    directory = path.resolve().parent
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            os.fchmod(raw.fileno(), 0o600)
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as zipped:
                summary = _write(engine, zipped)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


def _write(engine: Engine, out: _Lines) -> BackupSummary:
    with read_snapshot(engine) as conn:
        revision = current_revision(conn)
        if revision is None:
            raise TransferError("the database has no rolegate schema: nothing to back up")
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": revision,
            "rolegate_version": rolegate_version(),
            "source_backend": engine.dialect.name,
            "created": datetime.now(UTC).isoformat(),
        }
        _line(out, header)
        end = End()
        for event in dump(conn, revision):
            if isinstance(event, TableStart):
                _line(out, {"table": event.name, "columns": list(event.columns)})
            elif isinstance(event, End):
                _line(out, {"end": {"counts": event.counts, "digests": event.digests}})
                end = event
            else:
                _line(out, event)
    return BackupSummary(revision, end.counts)


def _line(out: _Lines, value: Any) -> None:
    out.write(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    out.write(b"\n")


def read_header(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as lines:
        return _header(lines)


def restore_backup(engine: Engine, path: Path, *, force: bool) -> BackupSummary:
    """Replace ``engine``'s (empty, unless ``force``) database with the backup at ``path``."""
    with gzip.open(path, "rb") as lines:
        header = _header(lines)
        revision = str(header["schema_revision"])
        written = load(engine, revision, _events(lines), force=force)
    return BackupSummary(revision, written.counts)


def _header(lines: _Lines) -> dict[str, Any]:
    try:
        header = json.loads(lines.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise TransferError(f"not a rolegate backup: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError("not a rolegate backup (no rolegate-backup header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise TransferError(
            f"backup format version {header.get('format_version')!r} is not supported "
            f"(this rolegate reads version {FORMAT_VERSION})"
        )
    if not isinstance(header.get("schema_revision"), str):
        raise TransferError("the backup's header names no schema revision")
    return header


def _events(lines: _Lines) -> Iterator[Event]:
    """The file's records after the header, one line at a time."""
    number = 1
    try:
        for line in lines:
            number += 1
            record = json.loads(line)
            if isinstance(record, list):
                yield record
            elif isinstance(record, dict) and "table" in record:
                yield TableStart(str(record["table"]), tuple(map(str, record["columns"])))
            elif isinstance(record, dict) and "end" in record:
                end = record["end"]
                yield End(dict(end["counts"]), dict(end["digests"]))
                return
            else:
                raise TransferError(f"line {number}: not a record of a rolegate backup")
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        raise TransferError(f"line {number}: the backup is damaged: {exc}") from None
