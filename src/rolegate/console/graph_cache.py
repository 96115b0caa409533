"""The access graph page's computed drawings, kept per (account, acting principal) so that a
5,000-role account is read and computed once, not on every request (figures: docs/console.md,
``bench/console_graph.py``).

An entry is used for at most ``ttl`` seconds, and never after a change made through this
console (every state-changing POST empties the cache), nor when the page's "Recompute" asks.
A change made by another client shows within ``ttl``: no cheap per-account revision exists to
key on (the database's change signal, ``store.freshness``, moves with every audit record, that
is with every request). The page says when its drawing was computed. Each request still calls
the operations with the session's credentials, so a principal who lost the permission is
refused at once (``graph_page``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
TTL_SECONDS = 60.0
MAX_ENTRIES = 32  # a 5,000-role account's drawing is a few MB


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    value: T
    computed_at: float  # time.time() of the computation, shown on the page
    born: float  # the monotonic clock's, for the ttl


class ComputedCache(Generic[T]):
    """Values by key, each used for ``ttl`` seconds; thread-safe (pages run on worker threads);
    emptied when full."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._max, self._clock = ttl, max_entries, clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], Entry[T]] = {}

    def get(self, key: tuple[str, str]) -> Entry[T] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() - entry.born > self._ttl:
                del self._entries[key]
                return None
            return entry

    def put(self, key: tuple[str, str], value: T) -> Entry[T]:
        entry = Entry(value, time.time(), self._clock())
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = entry
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
