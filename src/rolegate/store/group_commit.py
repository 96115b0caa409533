"""Group commit for SQLite's write transactions: one COMMIT, so one fsync, for several requests.

Buys the tail of write latency under concurrent writes (figures: docs/benchmarks.md,
``bench/api.py``).

SQLite lets one connection write at a time, and with ``synchronous=FULL`` every COMMIT waits for
an fsync, milliseconds on common disks. One transaction per request therefore caps the writes of
a node at about one per fsync, and writers that find the lock taken wait in SQLite's busy
handler, which sleeps in steps of up to 100 ms: the long tail of write latency.

Here the writers of this process queue on a lock instead, and run one after the other inside one
database transaction on one connection, each in its own SAVEPOINT:

* a request that fails rolls back to its savepoint: its changes vanish, its neighbours' stay;
* a writer that finds others queued behind it hands the open transaction on; the one that finds
  nobody queued (or a full batch) COMMITs for everyone;
* every member answers only after that COMMIT returned, so an acknowledged write is on disk
  exactly as with one transaction per request; if the COMMIT fails, every member of the batch
  fails and none of their changes is kept.

Later members see the uncommitted changes of earlier ones (one connection), which is the order
in which they would have committed one by one anyway. Other processes (``--workers N``, the
admin CLI) still meet the batch at SQLite's own lock (``BEGIN IMMEDIATE`` and the busy timeout).
Read transactions do not take part: they run on their own connections and never wait here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from rolegate.store.dialects import execute_on_driver
from rolegate.store.errors import StoreUnavailable

#: members per COMMIT at most: each member's work delays the answers of those before it
MAX_BATCH = 8
# Each member's savepoint, sent to the driver directly (store.dialects.driver_savepoint says why).
_MEMBER = "rolegate_member"


class _Batch:
    """One open database transaction shared by the members of a group."""

    __slots__ = ("connection", "done", "error", "members", "usable")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.members = 0  # members that finished their savepoint (committed or rolled back)
        self.usable = True  # False once a savepoint could not be closed: nobody may join
        self.done = threading.Event()  # set when the batch is committed or abandoned
        self.error: str | None = None  # why the COMMIT did not happen, if it did not


class GroupCommitter:
    """Runs this process's SQLite write transactions in savepoints of shared transactions."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._turn = threading.Lock()  # held by the writer using the open batch
        self._queue_lock = threading.Lock()
        self._queued = 0  # writers waiting for ``_turn``
        self._batch: _Batch | None = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction (a savepoint of the open batch) on the batch's connection.

        Returns once the batch holding this transaction's changes is committed; raises what the
        body raised (after rolling back to the savepoint), or StoreUnavailable if the COMMIT
        failed. Errors of the database itself propagate as SQLAlchemy exceptions.
        """
        with self._queue_lock:
            self._queued += 1
        self._turn.acquire()
        with self._queue_lock:
            self._queued -= 1
        try:
            batch = self._batch if self._batch is not None else self._open()
        except BaseException:
            self._turn.release()
            raise
        try:
            execute_on_driver(batch.connection, f"SAVEPOINT {_MEMBER}")
        except BaseException:
            batch.usable = False  # the connection's state is unknown: commit nothing
            self._finish_turn(batch)
            raise
        failure: BaseException | None = None
        try:
            yield batch.connection
        except BaseException as exc:  # rolled back below, then raised again
            failure = exc
        try:
            if failure is not None:
                execute_on_driver(batch.connection, f"ROLLBACK TO SAVEPOINT {_MEMBER}")
            execute_on_driver(batch.connection, f"RELEASE SAVEPOINT {_MEMBER}")
        except BaseException as exc:
            batch.usable = False
            failure = failure or exc
        batch.members += 1
        self._finish_turn(batch)
        # Even a failed member waits: its answer (say, EntityAlreadyExists) may rest on what an
        # earlier member wrote, which counts only once committed.
        batch.done.wait()
        if failure is not None:
            raise failure
        if batch.error is not None:
            raise StoreUnavailable(batch.error)

    def _open(self) -> _Batch:
        connection = self._engine.connect()
        try:
            connection.begin()  # BEGIN IMMEDIATE (dialects: the SQLite begin hook)
        except BaseException:
            connection.close()
            raise
        self._batch = _Batch(connection)
        return self._batch

    def _finish_turn(self, batch: _Batch) -> None:
        """Hand the open batch to the next queued writer, or commit it; then release the turn."""
        try:
            if batch.usable and self._queued > 0 and batch.members < self._max_batch:
                return  # the next writer joins and ends the batch later
            self._close(batch)
        finally:
            self._turn.release()

    def _close(self, batch: _Batch) -> None:
        """COMMIT (or roll back an unusable batch), free the connection, wake the members."""
        self._batch = None
        connection = batch.connection
        try:
            if batch.usable:
                connection.commit()
            else:
                connection.rollback()
                batch.error = "the group's transaction failed and was rolled back"
        except BaseException as exc:
            batch.error = f"commit failed: {exc}"
            try:
                connection.invalidate()
            except Exception:  # already failing; the pool drops the connection
                pass
        finally:
            connection.close()
            batch.done.set()
