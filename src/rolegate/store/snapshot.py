"""The database's rows as portable values, read from one consistent snapshot: what
``rolegate db backup``, ``restore`` and ``copy`` move (``store.backup``, ``store.transfer``).

- ``tables_at(conn, revision)``: the tables of a schema revision in dependency order (parents
  first). At the head revision these are the code's own tables (``store.schema``); at an older
  one, the database's reflected tables, with each column that still exists at head given its
  head type (``UtcTimestamp``'s microseconds on SQLite read as datetimes, not integers).
- ``encode``/``decode``: a column value <-> JSON: datetimes as ISO 8601 text, binary as base64,
  a role's principal ids as ``[[ARN, id], ...]``; everything else as JSON has it.
- ``read_snapshot(engine)``: a connection in one read transaction that sees a single state
  of the database while writers go on (SQLite's WAL read transaction; PostgreSQL's REPEATABLE
  READ, READ ONLY).
- ``TableDigest``: row count and an order-independent digest of a table's rows, equal on
  SQLite and PostgreSQL for equal data (rows are hashed one by one and the hashes summed, so
  neither the backends' collations nor memory limit it).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, LargeBinary, MetaData, Table, select
from sqlalchemy.engine import Connection, Engine

from rolegate.store.dialects import WRITE_OPTION
from rolegate.store.migrate import head_revision
from rolegate.store.schema import metadata
from rolegate.store.schema_changes import change_serial
from rolegate.store.types import PrincipalIdsJson, UtcTimestamp

VERSION_TABLE = "alembic_version"
ROWS_PER_BATCH = 500  # rows fetched or inserted at a time: memory stays bounded
_DIGEST_MODULUS = 1 << 256

# a signal to read caches, not data: a restore moves it on instead (store.change_serial)
_NOT_DATA = frozenset({change_serial.name})

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def tables_at(conn: Connection, revision: str) -> list[Table]:
    """The tables of ``revision`` as they are in ``conn``'s database, parents first."""
    if revision == head_revision():
        return [table for table in metadata.sorted_tables if table.name not in _NOT_DATA]
    reflected = MetaData()
    reflected.reflect(conn)
    typed = MetaData()
    for table in reflected.sorted_tables:
        if table.name == VERSION_TABLE or table.name in _NOT_DATA:
            continue
        head = metadata.tables.get(table.name)
        columns = []
        for column in table.columns:
            kind = column.type
            if head is not None and column.name in head.c:
                kind = head.c[column.name].type
            columns.append(Column(column.name, kind, primary_key=column.primary_key))
        Table(table.name, typed, *columns)
    order = [
        table.name
        for table in reflected.sorted_tables
        if table.name != VERSION_TABLE and table.name not in _NOT_DATA
    ]
    return [typed.tables[name] for name in order]


def _iso(value: datetime) -> str:
    return value.isoformat()


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _pairs(value: Any) -> list[list[str]]:
    return [list(pair) for pair in value]


def _same(value: Any) -> Any:
    return value


def codec(column: Column[Any]) -> Codec:
    """How one column's values go to JSON and back (None stays None)."""
    kind = column.type
    if isinstance(kind, UtcTimestamp):
        return _iso, datetime.fromisoformat
    if isinstance(kind, LargeBinary):
        return _b64, base64.b64decode
    if isinstance(kind, PrincipalIdsJson):
        return _pairs, lambda pairs: tuple((arn, uid) for arn, uid in pairs)
    return _same, _same


def encoders(table: Table) -> list[Callable[[Any], Any]]:
    return [codec(column)[0] for column in table.columns]


def decoders(table: Table, names: Sequence[str]) -> list[Callable[[Any], Any]]:
    return [codec(table.c[name])[1] for name in names]


def encode_row(row: Sequence[Any], encode: Sequence[Callable[[Any], Any]]) -> list[Any]:
    return [None if value is None else fn(value) for fn, value in zip(encode, row, strict=True)]


def decode_row(row: Sequence[Any], decode: Sequence[Callable[[Any], Any]]) -> list[Any]:
    return [None if value is None else fn(value) for fn, value in zip(decode, row, strict=True)]


def table_rows(conn: Connection, table: Table) -> Iterator[list[Any]]:
    """The rows of ``table``, encoded, in primary key order, fetched a batch at a time."""
    encode = encoders(table)
    query = select(*table.columns).order_by(*table.primary_key.columns)
    result = conn.execution_options(stream_results=True).execute(query)
    try:
        for batch in result.partitions(ROWS_PER_BATCH):
            for row in batch:
                yield encode_row(row, encode)
    finally:
        result.close()


@dataclass(slots=True)
class TableDigest:
    rows: int = 0
    total: int = 0  # the sum of the rows' SHA-256, modulo 2**256

    def add(self, encoded_row: Sequence[Any]) -> None:
        text = json.dumps(encoded_row, separators=(",", ":"), ensure_ascii=False)
        self.rows += 1
        hashed = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
        self.total = (self.total + hashed) % _DIGEST_MODULUS

    @property
    def hex(self) -> str:
        return f"{self.total:064x}"


def digests(conn: Connection, tables: Sequence[Table]) -> dict[str, TableDigest]:
    found: dict[str, TableDigest] = {}
    for table in tables:
        digest = found[table.name] = TableDigest()
        for row in table_rows(conn, table):
            digest.add(row)
    return found


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose every read sees the same committed state, until the block ends."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{WRITE_OPTION: False})  # plain BEGIN, no lock
        else:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if engine.dialect.name != "sqlite":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn
