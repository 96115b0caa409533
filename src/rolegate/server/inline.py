"""Answering a request on the event loop when every read it needs is in the read cache.

Buys the hop to a worker thread and back (a queue, a thread switch under the GIL, and
``call_soon_threadsafe``'s wake-up of the loop): 10-18% of a cached GetCallerIdentity's server
time in py-spy (figures: docs/benchmarks.md, ``bench/server.py``).

The request runs on the loop in a cache-only read transaction (``Store.transaction``,
``cache_only=True``): at its first statement to the database (a cache miss, a last-used write,
or an operation that writes) it raises ``store.NeedsDatabase`` before anything has changed, and
the request is run again, from the start, on a worker thread. So nothing on the loop ever waits
for the database, and the answer is the one the thread would have given (the cache holds only
what the database showed when the request began, ``store.freshness``). The freshness check must
not block the loop either: on SQLite it is local (``data_version`` and the change serial's row,
read from the file) and runs in the transaction; on PostgreSQL the loop awaits the serial from
``store.loop_probe`` (a round trip shared by the requests waiting for it) before the transaction.
Only small bodies are tried (decoding a large form would hold the loop).

Nothing is tried on the loop while a write transaction of this process is open
(``WritesInFlight``): a writer releases the GIL around every SQLite call and fsync, and a loop
answering request after request would make it wait up to the GIL's 5 ms switch interval each time
it wants it back (what made answering every read on the loop lose, docs/decisions.md). So writes
keep the latency they had, and cached reads run on the loop between them.

An operation that needed the database three times in a row is not tried on the loop again for
its next ``RETRY_AFTER`` requests, so one that always reads (a ListRoles page) wastes its
signature check and form decoding on three of every 67 requests at most. Fewer misses cost
nothing more: a principal's first request misses twice (it writes the key's last-used date, which
empties the cache, and the next one fills it again).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from rolegate.store import LoopProbeFailed, NeedsDatabase

if TYPE_CHECKING:
    from rolegate.server.metrics import Metrics
    from rolegate.store import Store

T = TypeVar("T")

# The largest body tried on the loop: every IAM/STS and /v1/authorize question of everyday size.
MAX_INLINE_BODY = 16 * 1024
RETRY_AFTER = 64
MISSES_BEFORE_SKIPPING = 3


async def answer_on_loop(
    store: Store, metrics: Metrics | None, answer: Callable[[int | None], T]
) -> T | None:
    """``answer(serial)``, which runs a cache-only transaction given the change serial read for
    it (``Store.serial_on_loop``), on the event loop; None when the request must run on a worker
    thread instead (it needed the database, or the serial could not be read from the loop). An
    error ``answer`` raises is the loop's answer too and passes through. Every attempt is
    counted by its outcome (``rolegate_event_loop_attempts_total``)."""
    outcome = "answered"
    try:
        return answer(await store.serial_on_loop())
    except NeedsDatabase:
        outcome = "needed_database"
    except LoopProbeFailed:
        outcome = "probe_failed"
    finally:
        if metrics is not None:
            metrics.loop_attempt(outcome)
    return None


class InlineAttempts:
    """Which operations are worth trying on the loop. Used by the loop's thread only."""

    def __init__(self) -> None:
        self._skips: dict[str, int] = {}
        self._misses: dict[str, int] = {}  # consecutive, of operations tried and not skipped

    def worth_trying(self, operation: str) -> bool:
        left = self._skips.get(operation)
        if left is None:
            return True
        if left <= 1:
            del self._skips[operation]
            return True
        self._skips[operation] = left - 1
        return False

    def missed(self, operation: str) -> None:
        """``operation`` needed the database (or was not tried): after the third miss in a
        row, run its next requests on the threads; a count already running goes on."""
        if operation in self._skips:
            return
        misses = self._misses.get(operation, 0) + 1
        if misses < MISSES_BEFORE_SKIPPING:
            self._misses[operation] = misses
        else:
            self._misses.pop(operation, None)
            self._skips[operation] = RETRY_AFTER

    def answered(self, operation: str) -> None:
        """``operation`` was answered on the loop: its misses start again from none."""
        if self._misses:
            self._misses.pop(operation, None)


class WritesInFlight:
    """The write transactions this process has open (on any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0  # read without the lock on the loop: a stale value costs one hop at most

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._lock:
            self.count += 1
        try:
            yield
        finally:
            with self._lock:
                self.count -= 1
