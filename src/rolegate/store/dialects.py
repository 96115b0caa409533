"""Everything that differs between SQLite and PostgreSQL, in one place.

SQLite: a database file created private (mode 0600, :func:`_create_private_file`), WAL journal,
``foreign_keys=ON``, ``synchronous=FULL`` (a commit is on disk when it
returns), a busy timeout, and explicit ``BEGIN``/``BEGIN IMMEDIATE``: Python's sqlite3 module
would otherwise open transactions lazily at the first write, which turns a read followed by a write
into a lock *upgrade*; if another writer committed since the read began, the upgrade fails at once
with SQLITE_BUSY(_SNAPSHOT) and no busy timeout helps (the read snapshot is stale). Write
transactions therefore take the write lock up front (``BEGIN IMMEDIATE``), where the busy timeout
does apply; read transactions use plain ``BEGIN`` and never block or wait for writers (WAL).

PostgreSQL: psycopg 3 through a connection pool; ``postgresql://`` URLs are mapped to
``postgresql+psycopg://``.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.sql.dml import Insert

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "rolegate_write"  # execution option read by the SQLite BEGIN hook
_PG_POOL_SIZE = 10
_PG_MAX_OVERFLOW = 10
_PG_CONNECT_S = 5  # unless the URL says ?connect_timeout=...
_SQLITE_POOL_SIZE = 8
_WRITE_POLL_MAX_S = 0.002  # longest sleep between attempts at SQLite's write lock


def normalize_url(url: str) -> str:
    """Map the user-facing URL onto the SQLAlchemy driver we ship (psycopg 3 for PostgreSQL)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        if parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise ValueError(f"unsupported SQLite driver {parsed.drivername!r}")
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("SQLite needs a file path: sqlite:///path/to/rolegate.db")
        return url
    raise ValueError(f"unsupported database {backend!r}: use sqlite:///... or postgresql://...")


def create_store_engine(url: str) -> Engine:
    normalized = normalize_url(url)
    parsed = make_url(normalized)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(normalized)
    return create_engine(
        normalized,
        pool_size=_PG_POOL_SIZE,
        max_overflow=_PG_MAX_OVERFLOW,
        pool_pre_ping=True,  # a node survives a database restart without failing requests
        connect_args=pg_connect_args(parsed),
    )


def pg_connect_args(url: URL) -> dict[str, Any]:
    """psycopg's connection arguments beside the URL's: a connect timeout unless it names one."""
    return {} if "connect_timeout" in url.query else {"connect_timeout": _PG_CONNECT_S}


def _sqlite_engine(url: str) -> Engine:
    _create_private_file(make_url(url).database or "")
    engine = create_engine(
        url,
        pool_size=_SQLITE_POOL_SIZE,
        max_overflow=_SQLITE_POOL_SIZE,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: we issue BEGIN ourselves (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            _enable_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, True):
            _begin_immediate(conn.connection.dbapi_connection)
        else:
            _execute_on_driver(conn.connection.dbapi_connection, "BEGIN")

    return engine


def _create_private_file(database: str) -> None:
    """Create the database file, empty and mode 0600, unless something is at its path already.

    SQLite itself would create it 0644 (0666 less the usual umask): readable by every local user
    when the data directory is. Its ``-wal`` and ``-shm`` files, created later, take the
    database file's mode (SQLite's unix VFS copies it), so this one file decides all three. An
    empty file is an empty SQLite database. An existing file (or a link to one) keeps the mode
    its owner gave it; a missing directory is left for SQLite to report.
    """
    if not database or database.startswith("file:"):  # a URI filename: SQLite's own rules
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        os.close(os.open(database, flags, 0o600))
    except (FileExistsError, FileNotFoundError):
        pass


def _begin_immediate(dbapi_connection: Any) -> None:
    """``BEGIN IMMEDIATE``, waiting for another writer (another process, or a read transaction
    writing its best-effort last-used dates) in short steps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25… up to 100 ms between attempts, so
    a writer often sleeps well past the moment the lock was freed (a COMMIT takes one fsync, a
    few milliseconds): a long tail for every queued write. Polling every 0.5-2 ms instead costs a
    few failed attempts (microseconds each) and gives the lock away within about a millisecond.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.0005
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    # as SQLAlchemy would have wrapped it (the store maps it to StoreUnavailable)
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            time.sleep(delay)
            delay = min(delay * 1.5, _WRITE_POLL_MAX_S)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


@contextmanager
def driver_savepoint(conn: Connection, name: str) -> Iterator[None]:
    """A SAVEPOINT around the block, rolled back to if the block raises, then released.

    Sent to the driver's connection directly: SQLAlchemy's ``begin_nested`` compiles a statement
    and keeps books for each savepoint, more work than the rest of a small write. SQLAlchemy's
    own view of the transaction is unchanged, so the block may use ``conn`` as usual (including
    its own savepoints, which nest inside this one). Driver errors are raised as SQLAlchemy's
    OperationalError, as ``conn.execute`` would.
    """
    execute_on_driver(conn, f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        execute_on_driver(conn, f"ROLLBACK TO SAVEPOINT {name}")
        execute_on_driver(conn, f"RELEASE SAVEPOINT {name}")
        raise
    execute_on_driver(conn, f"RELEASE SAVEPOINT {name}")


@contextmanager
def best_effort_write(conn: Connection) -> Iterator[None]:
    """A write the request may lose (a last-used date): in a savepoint, and on SQLite without
    waiting for the write lock.

    Inside a read transaction, SQLite grants the lock only if no other write committed since the
    transaction's snapshot; a writer holding the lock now will commit, so waiting for it (the
    busy handler sleeps up to 100 ms a time) mostly ends in SQLITE_BUSY_SNAPSHOT anyway, and
    only lengthened the request. Failing at once raises OperationalError, for the caller to
    ignore; the next use writes the date.
    """
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        execute_on_driver(conn, "PRAGMA busy_timeout=0")
    try:
        with driver_savepoint(conn, "rolegate_best_effort"):
            yield
    finally:
        if sqlite:
            execute_on_driver(conn, f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def execute_on_driver(conn: Connection, sql: str) -> None:
    """Run ``sql`` (no parameters, no result) on the driver's connection under ``conn``."""
    _execute_on_driver(conn.connection.dbapi_connection, sql)


def _execute_on_driver(driver: Any, sql: str) -> None:
    try:
        driver.execute(sql)
    except Exception as exc:  # sqlite3.Error, psycopg.Error: wrapped as by SQLAlchemy
        raise OperationalError(sql, None, exc) from exc


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent; a no-op once done).

    The first switch needs an exclusive lock and SQLite answers SQLITE_BUSY at once, without the
    busy handler, when another connection is opening the same new file; so retry for a while.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        else:
            if str(mode).lower() == "wal":
                return
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError(f"cannot enable WAL (journal_mode={mode})")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


@functools.cache
def insert_ignoring_duplicates(table: Table, dialect_name: str) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING``: a duplicate is reported by rowcount 0, not an error.

    Unlike catching IntegrityError, this leaves a PostgreSQL transaction usable afterwards.
    ``preserve_rowcount`` makes SQLAlchemy report the rowcount of an INSERT on every driver.
    Built once per table (statements are reused: execute it with a dict of column values).
    """
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing().execution_options(preserve_rowcount=True)


@functools.cache
def upsert(
    table: Table, dialect_name: str, key: tuple[str, ...], update: tuple[str, ...]
) -> Insert:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET update-columns``; execute with a dict."""
    if dialect_name == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=list(key), set_={c: pg.excluded[c] for c in update}
        )
    lite = sqlite.insert(table)
    return lite.on_conflict_do_update(
        index_elements=list(key), set_={c: lite.excluded[c] for c in update}
    )


def advisory_lock_sql(dialect_name: str) -> str | None:
    """SQL that serialises concurrent schema upgrades for the rest of the transaction."""
    if dialect_name == "postgresql":
        return "SELECT pg_advisory_xact_lock(7261636567617465)"  # arbitrary constant: "rolegate"
    return None  # SQLite: the upgrade runs inside BEGIN IMMEDIATE, which already serialises
