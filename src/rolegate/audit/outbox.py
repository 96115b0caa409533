"""The outbox: events that are not written in the transaction of a change (reads, refusals,
the authorization service's decisions) are batched here and stored by one thread, so a read
never takes a write transaction of its own.

A writer thread wakes every ``interval`` seconds (1 by default), or sooner when a batch is full,
stores what accumulated in one write transaction, then streams it (``audit.stream``) together
with the events already stored by their own request's transaction, in the order they came.
``close()`` (graceful shutdown) stores and streams everything left. What a ``kill -9`` loses is
what was put here since the last flush: at most ``interval`` seconds of reads, refusals and
decisions, never the event of an acknowledged write (docs/audit.md, "Durability").

A database that does not answer keeps the batch for the next round; past ``max_backlog`` events
the oldest are dropped and counted (``dropped``), so an outage cannot exhaust memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rolegate.audit.stream import JsonLines
from rolegate.domain.audit_event import AuditEvent

log = logging.getLogger("rolegate.audit")

BATCH = 500  # events per write transaction, and how many wake the writer early
MAX_BACKLOG = 20_000  # about 20 s of a busy node's reads; a few KiB each while queued


@dataclass(frozen=True, slots=True)
class _Item:
    event: AuditEvent | None  # None: ``build`` makes the events, on the writer thread
    stored: bool  # already committed with its request's change: stream only
    build: Callable[[], Sequence[AuditEvent]] | None = None


class Outbox:
    def __init__(
        self,
        store: Callable[[Sequence[AuditEvent]], None],
        stream: JsonLines | None = None,
        *,
        interval: float = 1.0,
        maintenance: Callable[[], object] | None = None,
        maintenance_every: float = 3600.0,
        max_backlog: int = MAX_BACKLOG,
    ) -> None:
        self._store = store
        self._stream = stream
        self._interval = interval
        self._maintenance = maintenance
        self._maintenance_every = maintenance_every
        self._max_backlog = max_backlog
        self._queue: deque[_Item] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._flush_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    # --- the request path: an append, nothing else --------------------------------------------
    def put(self, event: AuditEvent) -> None:
        """An event to store and stream."""
        self._append(_Item(event, stored=False))

    def defer(self, build: Callable[[], Sequence[AuditEvent]]) -> None:
        """Events to build on the writer thread (the request's thread only queues ``build``),
        then store and stream."""
        self._append(_Item(None, stored=False, build=build))

    def stored(self, event: AuditEvent) -> None:
        """An event its request's transaction committed: to stream only."""
        if self._stream is not None:
            self._append(_Item(event, stored=True))

    def _append(self, item: _Item) -> None:
        self._queue.append(item)
        size = len(self._queue)
        if size >= BATCH:
            self._wake.set()
            if size > self._max_backlog:
                self._trim()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    # --- the writer ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rolegate-audit", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Store and stream everything left, then stop the writer."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()
        if self._stream is not None:
            self._stream.close()

    def flush(self) -> bool:
        """Store and stream what is queued now; False when the database did not take it (the
        events stay queued)."""
        with self._flush_lock:
            while self._queue:
                taken = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                items = [built for item in taken for built in _built(item)]
                pending = [item.event for item in items if not item.stored and item.event]
                try:
                    if pending:
                        self._store(pending)
                except Exception:
                    log.exception("audit: %d events not stored yet; retrying", len(pending))
                    self._queue.extendleft(reversed(items))  # built: not built again
                    self._trim()
                    return False
                if self._stream is not None:
                    try:
                        self._stream.write(item.event.record for item in items if item.event)
                    except OSError:
                        log.exception("audit: the stream did not take %d events", len(items))
        return True

    def _trim(self) -> None:  # the oldest first
        while len(self._queue) > self._max_backlog:
            self._queue.popleft()
            self.dropped += 1

    def _run(self) -> None:
        last_maintenance: float | None = None  # at start: prune once
        while not self._stopping:
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()
            now = time.monotonic()
            due = last_maintenance is None or now - last_maintenance >= self._maintenance_every
            if self._maintenance is not None and due:
                last_maintenance = now
                try:
                    self._maintenance()
                except Exception:
                    log.exception("audit: pruning old events failed; trying again later")


def _built(item: _Item) -> list[_Item]:
    """``item``, with its events built if they were deferred (a build that fails is logged and
    dropped: it would fail again)."""
    if item.build is None:
        return [item]
    try:
        return [_Item(event, stored=False) for event in item.build()]
    except Exception:
        log.exception("audit: an event could not be built")
        return []
