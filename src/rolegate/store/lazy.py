"""A read transaction's connection, opened when a statement first needs it.

Buys a read transaction's check-out, ``BEGIN`` and ``COMMIT`` (on PostgreSQL also the pool's
ping: two round trips) when every read a request makes is answered from the read cache
(``store.cached_repos``; figures: docs/benchmarks.md, ``bench/server.py``).

The proxy stands for a SQLAlchemy ``Connection``: the first attribute a repository reads from it
(``execute``, ``dialect``, ``connection``...) opens the real one and starts its transaction; the
transaction ends (commit, or rollback on an exception) with the ``with`` block of
:func:`lazy_connection`, as an eager one would. Reads then see the database as of their own first
statement, as PostgreSQL's read-committed statements always do; what came from the cache was
current when the transaction began (``store.freshness``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, cast

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError


class LazyConnection:
    def __init__(self, open_connection: Callable[[], Connection]) -> None:
        self._open = open_connection
        self._real: Connection | None = None

    def real(self) -> Connection:
        if self._real is None:
            self._real = self._open()
        return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real if self._real is not None else self.real(), name)


def real_connection(conn: Connection) -> Connection:
    """The ``Connection`` itself (opened now if lazy): what SQLAlchemy's event API takes."""
    return conn.real() if isinstance(conn, LazyConnection) else conn


@contextmanager
def lazy_connection(
    checkout: Callable[[], AbstractContextManager[Connection]],
) -> Iterator[Connection]:
    """A connection (as a ``LazyConnection``) whose transaction begins on first use: ``checkout``
    gives the connection, in which ``begin()`` is then entered."""
    with ExitStack() as stack:

        def open_connection() -> Connection:
            conn = stack.enter_context(checkout())
            stack.enter_context(_read_transaction(conn))
            return conn

        yield cast(Connection, LazyConnection(open_connection))


@contextmanager
def _read_transaction(conn: Connection) -> Iterator[None]:
    """A read transaction: rolled back on an exception, else committed, and rolled back instead
    when the commit fails. What a read transaction writes is best-effort only (a last-used date,
    ``store.dialects.best_effort_write``) and its reads are done by then: a full disk, where
    SQLite cannot append that write's commit to its WAL, must not fail the read itself
    (tests/faults/test_disk_full.py)."""
    transaction = conn.begin()
    try:
        yield
    except BaseException:
        transaction.rollback()
        raise
    try:
        transaction.commit()
    except OperationalError:
        try:
            conn.rollback()
        except SQLAlchemyError:  # a dropped connection: the pool discards it
            pass
