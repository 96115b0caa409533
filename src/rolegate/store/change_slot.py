"""SQLite only: a word of shared memory that says when the read caches of other processes on the
same database file may have gone stale, without asking SQLite.

Each process maps ``<database>-rolegate-changes`` (8 bytes, created on first use, given the
database file's mode as SQLite gives it to its ``-wal`` and ``-shm``).
After every commit that moves the change serial (``store.change_serial``: a write, a last-used
date, a restore) the committing process writes a fresh random value there (``announce``), before
its request is answered. Before each read transaction a process reads the word: while it holds
the value seen at the last full probe, and that probe is less than ``TRUST_SECONDS`` old, nothing
any rolegate process committed since can matter, and the probe's ``PRAGMA data_version`` is
skipped (a statement, with the GIL released around it: 11-12 % of a cached read's throughput,
docs/decisions.md).

The word is a hint, never the truth: a changed value (or any value, after ``TRUST_SECONDS``)
sends the process to SQLite as before. So a writer that does not announce (another program, or a
process killed between its commit and its announcement) is seen within ``TRUST_SECONDS``, well
inside the one-second bound for changes made elsewhere (docs/decisions.md, "Read caches"); every
rolegate write is seen by the next request that starts after it was answered. Values are random
64-bit numbers, never a count, so two processes announcing at once cannot write the value a
reader saw before either commit. No lock is ever taken on the file: closing it cannot release
anything of SQLite's (the reason the wal-index header is not read instead).
"""

from __future__ import annotations

import logging
import mmap
import os
import random
import stat

log = logging.getLogger("rolegate.store")

SUFFIX = "-rolegate-changes"
TRUST_SECONDS = 0.1
_SIZE = 8


class ChangeSlot:
    """One process's mapping of a database's change word."""

    def __init__(self, mapping: mmap.mmap) -> None:
        self._mapping = mapping
        self._word = memoryview(mapping).cast("Q")
        self._rng = random.Random()  # seeded from os.urandom: no system call per announcement

    @classmethod
    def open(cls, database: str) -> ChangeSlot | None:
        """The word beside ``database`` (a file path), created if missing; None when it cannot
        be mapped (a read-only directory): the probe then asks SQLite every time, as without."""
        path = database + SUFFIX
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            log.debug("no change word at %s: %s", path, exc)
            return None
        try:
            found, mode = os.fstat(fd), stat.S_IMODE(os.stat(database).st_mode)
            if stat.S_IMODE(found.st_mode) != mode and found.st_uid == os.geteuid():
                os.fchmod(fd, mode)  # as SQLite makes its -wal and -shm: the database's mode
            if found.st_size < _SIZE:  # never shrunk: a second creator keeps the value
                os.ftruncate(fd, _SIZE)
            mapping = mmap.mmap(fd, _SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except (OSError, ValueError) as exc:
            log.debug("no change word at %s: %s", path, exc)
            return None
        finally:
            os.close(fd)  # the mapping stays; no lock was taken, so none is lost
        return cls(mapping)

    def read(self) -> int:
        return int(self._word[0])

    def announce(self) -> None:
        """A change was committed: every process's next probe goes to SQLite."""
        self._word[0] = self._rng.getrandbits(64)

    def close(self) -> None:
        self._word.release()
        self._mapping.close()


def announce_change(database: str) -> None:
    """``announce`` once, for a process that wrote without a ``Store`` (a restore)."""
    slot = ChangeSlot.open(database)
    if slot is not None:
        slot.announce()
        slot.close()
