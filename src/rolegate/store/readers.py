"""SQLite connections for read transactions, kept checked out between transactions.

Buys the pool's check-out and check-in on every read request (figures: docs/benchmarks.md,
``bench/api_cost.py``).

Checking a connection out of SQLAlchemy's pool and back in (``Engine.connect``, ``close``) runs
events, a reset and bookkeeping, as much work as a small read's own statements. A local SQLite
connection does not go stale, so read transactions take an idle one from here and put it back
afterwards. Only a few are kept (``keep``): the pool must still have connections left for the
writers and any burst of readers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from rolegate.store.dialects import WRITE_OPTION

KEEP = 4


class ReadConnections:
    def __init__(self, engine: Engine, keep: int = KEEP) -> None:
        self._engine = engine
        self._keep = keep
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection whose transactions are read transactions (a plain ``BEGIN``)."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._engine.connect()
            conn.execution_options(**{WRITE_OPTION: False})
        try:
            yield conn
        finally:
            self._put_back(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _put_back(self, conn: Connection) -> None:
        """Keep ``conn`` if it ended its transaction cleanly and there is room; else close it."""
        if not conn.invalidated and not conn.in_transaction():
            with self._lock:
                if len(self._idle) < self._keep:
                    self._idle.append(conn)
                    return
        conn.close()
