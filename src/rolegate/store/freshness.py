"""How fresh this process's read caches are: a generation that moves whenever the database may
have changed, and the cache whose entries hold the generation they were read at.

Buys the reads every signed request repeats (the access key, its user, the role of a session,
their policies; figures: docs/benchmarks.md, ``bench/server.py``). The bounds
(docs/decisions.md, "Read caches"):

* a write transaction of this process bumps the generation once it has committed, before its
  request is answered: this process's next request reads afresh;
* every other change is seen through the database's change serial (``store.change_serial``),
  a row that every write to what the caches hold moves in its own transaction, read at the start
  of a read transaction on a connection the store keeps for it whenever the change word of
  ``store.change_slot`` has moved or is 0.1 s old (on SQLite only when ``PRAGMA data_version``
  says another connection has committed: a few microseconds; on PostgreSQL one short round
  trip, in autocommit), so a change answered through any process of this node before a request
  begins is seen by that request, and one made through another node within 0.1 s. Audit events
  leave the serial alone: they are nothing a cache holds.

An entry read under generation G is used only while the generation is still G. A read that
captured G before a commit and stores what it read after the bump stores it under G: never used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

MAX_ENTRIES = 10_000  # emptied when full: about 10 MB (a role with a short trust policy ~0.9 KB)
# Keys read and found absent (an unknown access key id, a resource an authorization question
# names that is no role): kept apart and emptied apart when full, so that a flood of names that
# do not exist never pushes out what does. About 1 MB.
MAX_ABSENT = 10_000


class Freshness:
    """The generation of this process's cached reads. ``observe`` is given, at the start of each
    read transaction, a value read from the database that changes whenever its committed
    contents may have; a value other than the last one seen starts a new generation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: Hashable = None
        self.generation = 0
        self.cache = ReadCache()

    def bump(self) -> None:
        """The database changed (a write of this process committed): forget every entry."""
        with self._lock:
            self.generation += 1
            self.cache.clear()

    def observe(self, seen: Hashable) -> int:
        """The generation to read under, now that the database shows ``seen``."""
        with self._lock:
            if seen != self._seen:
                self._seen = seen
                self.generation += 1
                self.cache.clear()
            return self.generation


class ReadCache:
    """Values by key, each with the generation it was read under, emptied when their weights
    (1 an entity, a listing page its items) pass ``max_entries``. Thread-safe for this use:
    single dict operations are atomic, a lost race only costs a read, and the weight is a bound
    kept approximately."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_absent: int = MAX_ABSENT) -> None:
        self._max_entries = max_entries
        self._max_absent = max_absent
        self._entries: dict[Hashable, tuple[int, Any]] = {}
        self._absent: dict[Hashable, int] = {}  # key -> the generation it was found absent in
        self._weight = 0

    def read(self, key: Hashable, generation: int, load: Callable[[], T], weight: int = 1) -> T:
        """The value of ``key`` read under ``generation``, or ``load()``'s; None (absent) is
        kept too, apart (``MAX_ABSENT``)."""
        found = self._entries.get(key)
        if found is not None and found[0] == generation:
            value: T = found[1]
            return value
        if self._absent.get(key) == generation:
            return cast(T, None)
        value = load()
        if value is None:
            if len(self._absent) >= self._max_absent:
                self._absent.clear()
            self._absent[key] = generation
            return value
        if self._weight + weight > self._max_entries:
            self._entries.clear()
            self._weight = 0
        self._weight += weight
        self._entries[key] = (generation, value)
        self._absent.pop(key, None)
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._absent.clear()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)
