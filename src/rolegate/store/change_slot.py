"""A word of shared memory that says when the read caches of the other processes on one machine
may have gone stale, without asking the database.

Where it is: on SQLite ``<database>-rolegate-changes`` beside the database file (given its mode,
as SQLite gives it to its ``-wal`` and ``-shm``), shared by every process on that file; on
PostgreSQL ``rolegate-changes`` in the node's data directory (mode 0600), shared by the node's
processes and commands. 8 bytes, created on first use.

After every commit that moves the change serial (``store.change_serial``: a write, a last-used
date, a restore) the committing process writes a fresh random value there (``announce``), before
its request is answered. Before each read transaction a process reads the word: while it holds
the value seen at the last full probe, and that probe is less than ``TRUST_SECONDS`` old, nothing
a process sharing the word committed since can matter, and the probe is skipped: SQLite's
``PRAGMA data_version`` (a statement, with the GIL released around it) or PostgreSQL's round trip.

The word is a hint, never the truth: a changed value (or any value, after ``TRUST_SECONDS``)
sends the process to the database as before. So a writer that does not share the word (another
node, another program, a process killed between its commit and its announcement) is seen within
``TRUST_SECONDS``, well inside the one-second bound for changes made elsewhere (docs/decisions.md,
"Read caches"); a write through this node is seen by every request that begins after it was
answered. Values are random 64-bit numbers, never a count, so two processes announcing at once
cannot write the value a reader saw before either commit. No lock is ever taken on the file:
closing it cannot release anything of SQLite's (the reason the wal-index header is not read
instead).
"""

from __future__ import annotations

import logging
import mmap
import os
import random
import stat

log = logging.getLogger("rolegate.store")

SUFFIX = "-rolegate-changes"  # SQLite: beside the database file
NODE_WORD = "rolegate-changes"  # PostgreSQL: in the data directory
TRUST_SECONDS = 0.1
_SIZE = 8


class ChangeSlot:
    """One process's mapping of a database's change word."""

    def __init__(self, mapping: mmap.mmap) -> None:
        self._mapping = mapping
        self._word = memoryview(mapping).cast("Q")
        self._rng = random.Random()  # seeded from os.urandom: no system call per announcement

    @classmethod
    def open(cls, path: str, mode_of: str | None = None) -> ChangeSlot | None:
        """The word at ``path``, created if missing, with the mode of the file ``mode_of`` (the
        database, as SQLite gives its mode to its ``-wal`` and ``-shm``) or else 0600; None when
        it cannot be mapped (a read-only directory, a link in its place): the probe then asks
        the database every time, as without."""
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            log.debug("no change word at %s: %s", path, exc)
            return None
        try:
            found = os.fstat(fd)
            mode = stat.S_IMODE(os.stat(mode_of).st_mode) if mode_of else 0o600
            if stat.S_IMODE(found.st_mode) != mode and found.st_uid == os.geteuid():
                os.fchmod(fd, mode)
            if found.st_size < _SIZE:  # never shrunk: a second creator keeps the value
                os.ftruncate(fd, _SIZE)
            # its block allocated now, contents kept: a store through the mapping into a hole
            # on a full disk would kill the process (SIGBUS); this fails with ENOSPC instead
            os.posix_fallocate(fd, 0, _SIZE)
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
        """A change was committed: every other process's next probe asks the database."""
        self._word[0] = self._rng.getrandbits(64)

    def close(self) -> None:
        self._word.release()
        self._mapping.close()


def sqlite_word(database: str) -> str:
    """Where the word of the SQLite database file ``database`` is."""
    return database + SUFFIX


def announce_at(path: str, mode_of: str | None = None) -> None:
    """``announce`` once, for a process that wrote without a ``Store`` (a restore)."""
    slot = ChangeSlot.open(path, mode_of)
    if slot is not None:
        slot.announce()
        slot.close()


def announce_change(database: str) -> None:
    """``announce_at`` the word of the SQLite database file ``database``."""
    announce_at(sqlite_word(database), database)
