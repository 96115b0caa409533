"""Moving every row from one database to another: the part ``rolegate db backup``, ``restore``
and ``copy`` share (docs/operations.md).

A dump is a stream of events: ``TableStart`` (a table's name and columns), its rows (lists of
encoded values, ``store.snapshot``), then one ``End`` with each table's row count and digest.
``dump`` reads them from one snapshot of the source; ``load`` writes them to a target in one
transaction, which commits only if the counts and digests it computed match the ``End`` it was
given (a truncated or altered stream changes nothing). Both hold one batch of rows at a time.

The target's schema is created at the stream's revision, the rows inserted parents first, then
the schema is migrated to head in the same transaction: a dump of an older rolegate is restored
and upgraded at once. A revision this rolegate does not know is refused, as is a target holding
any row unless ``force`` (its rows are then deleted, in the same transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Table, delete, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from rolegate.store.change_serial import leap
from rolegate.store.change_slot import announce_change
from rolegate.store.dialects import advisory_lock_sql
from rolegate.store.migrate import alembic_config, head_revision
from rolegate.store.snapshot import (
    ROWS_PER_BATCH,
    TableDigest,
    current_revision,
    decode_row,
    decoders,
    digests,
    read_snapshot,
    table_rows,
    tables_at,
)


class TransferError(Exception):
    """The dump cannot be read or written here; nothing was changed."""


@dataclass(frozen=True, slots=True)
class TableStart:
    name: str
    columns: tuple[str, ...]


@dataclass(slots=True)
class End:
    counts: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


Event = TableStart | list[Any] | End


def known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def dump(conn: Connection, revision: str) -> Iterator[Event]:
    """Every row of ``conn``'s database at ``revision``, table by table, parents first."""
    end = End()
    for table in tables_at(conn, revision):
        digest = TableDigest()
        yield TableStart(table.name, tuple(column.name for column in table.columns))
        for row in table_rows(conn, table):
            digest.add(row)
            yield row
        end.counts[table.name] = digest.rows
        end.digests[table.name] = digest.hex
    yield end


def row_count(conn: Connection, tables: Iterable[Table]) -> int:
    return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables)


def load(engine: Engine, revision: str, events: Iterable[Event], *, force: bool) -> End:
    """Write ``events`` (a dump at ``revision``) to ``engine``'s database in one transaction;
    the counts and digests of what was written (at ``revision``, before the upgrade to head)."""
    if revision not in known_revisions():
        raise TransferError(
            f"the dump is at schema revision {revision!r}, which this rolegate does not know "
            f"(its newest is {head_revision()!r}): restore it with the rolegate that wrote it"
        )
    with engine.connect() as conn, conn.begin():
        lock = advisory_lock_sql(conn.dialect.name)
        if lock is not None:
            conn.exec_driver_sql(lock)
        _prepare_target(conn, revision, force=force)
        try:
            written = _insert_all(conn, tables_at(conn, revision), events)
        except (ValueError, TypeError, sa_exc.IntegrityError, sa_exc.DataError) as exc:
            message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise TransferError(f"the dump's rows do not fit the schema: {message}") from None
        if revision != head_revision():
            command.upgrade(alembic_config(conn), "head")
        leap(conn)  # every process's read cache forgets the rows replaced
    if engine.dialect.name == "sqlite" and engine.url.database:
        announce_change(engine.url.database)  # committed: their next probe asks SQLite
    return written


def _prepare_target(conn: Connection, revision: str, *, force: bool) -> None:
    """An empty schema at ``revision`` on ``conn``'s database."""
    config = alembic_config(conn)
    current = current_revision(conn)
    if current is None:
        command.upgrade(config, revision)
        return
    if current not in known_revisions():
        raise TransferError(f"the target database is at an unknown schema revision {current!r}")
    existing = tables_at(conn, current)
    if not force and row_count(conn, existing):
        raise TransferError("the target database is not empty (add --force to replace its rows)")
    if current == revision:
        for table in reversed(existing):
            conn.execute(delete(table))
        return
    command.downgrade(config, "base")
    command.upgrade(config, revision)


def _insert_all(conn: Connection, tables: list[Table], events: Iterable[Event]) -> End:
    by_name = {table.name: table for table in tables}
    written = End()
    table: Table | None = None
    names: tuple[str, ...] = ()
    decode: list[Any] = []
    digest = TableDigest()
    batch: list[dict[str, Any]] = []

    def finish_table() -> None:
        if table is not None:
            if batch:
                conn.execute(table.insert(), batch)
                batch.clear()
            written.counts[table.name] = digest.rows
            written.digests[table.name] = digest.hex

    for event in events:
        if isinstance(event, TableStart):
            finish_table()
            table = by_name.get(event.name)
            if table is None or set(event.columns) - set(table.c.keys()):
                raise TransferError(f"the dump's table {event.name!r} does not match the schema")
            if event.name in written.counts:
                raise TransferError(f"the dump holds table {event.name!r} twice")
            names, decode, digest = event.columns, decoders(table, event.columns), TableDigest()
        elif isinstance(event, End):
            finish_table()
            _check_end(written, event)
            return written
        elif table is None:
            raise TransferError("the dump has rows before any table")
        else:
            digest.add(event)
            batch.append(dict(zip(names, decode_row(event, decode), strict=True)))
            if len(batch) >= ROWS_PER_BATCH:
                conn.execute(table.insert(), batch)
                batch.clear()
    raise TransferError("the dump ends early (no end record): it is incomplete")


def _check_end(written: End, end: End) -> None:
    for name, count in end.counts.items():
        if written.counts.get(name, 0) != count:
            raise TransferError(
                f"table {name}: the dump announces {count} rows, "
                f"{written.counts.get(name, 0)} were read"
            )
        if count and written.digests.get(name) != end.digests.get(name):
            raise TransferError(f"table {name}: the rows do not match the dump's digest")
    extra = set(written.counts) - set(end.counts)
    if extra:
        raise TransferError(f"the dump's end record misses table(s) {sorted(extra)}")


@dataclass(frozen=True, slots=True)
class TableCheck:
    name: str
    source_rows: int
    target_rows: int
    same: bool


def copy_database(source: Engine, target: Engine, *, force: bool) -> list[TableCheck]:
    """Copy every row of ``source`` (read from one snapshot; it may be serving) to ``target``
    (schema created at head, one transaction), then compare each table's row count and digest
    on both sides. ``source`` must be at the head revision (``rolegate db upgrade``)."""
    with read_snapshot(source) as conn:
        revision = current_revision(conn)
        if revision != head_revision():
            raise TransferError(
                f"the source database is at schema revision {revision!r}, not {head_revision()!r}"
                ": run rolegate db upgrade on it first"
            )
        written = load(target, revision, dump(conn, revision), force=force)
    with read_snapshot(target) as conn:
        found = digests(conn, tables_at(conn, head_revision()))
    return [
        TableCheck(
            name,
            count,
            found[name].rows,
            found[name].rows == count and found[name].hex == written.digests[name],
        )
        for name, count in written.counts.items()
    ]
