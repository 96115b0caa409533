"""Whether an SQLite database in WAL mode may have changed, read from its wal-index header in
shared memory: no system call, and the GIL kept.

The read cache's probe (``Store._probe``) asks ``PRAGMA data_version`` at the start of every read
transaction. That statement costs the loop a few microseconds in process, but each call releases
the GIL twice (the driver steps the statement with it released), and under load the audit writer
then takes it: paired runs measured 11-12 % more requests/s without the statement
(docs/decisions.md, "The wal-index header before data_version").

Every commit rewrites the wal-index header: the first 48 bytes of the ``-shm`` file, whose
``iChange`` field moves with each transaction and whose ``mxFrame`` and salts move with the WAL
(https://www.sqlite.org/walformat.html, "The WAL-Index Header"). So while those bytes are the ones
read before the last ``data_version``, no connection has committed since, and the serial read then
still holds. Any difference, a half-written header included, only sends the probe to the
statement as before.

The file is mapped read-only. SQLite shrinks a ``-shm`` file only when a connection opens it with
no other connection holding it open, and the store maps it only while its own probe connection is
open (and unmaps it before closing that connection), so the mapped page is never cut away under a
read.
"""

from __future__ import annotations

import mmap
import os

HEADER_BYTES = 48  # the first of the header's two copies


class WalIndexHeader:
    """The wal-index header of one database file, mapped read-only."""

    def __init__(self, view: mmap.mmap) -> None:
        self._view = view

    @classmethod
    def open(cls, database: str) -> WalIndexHeader | None:
        """The header of ``database`` (a file path), or None when there is none to map: no
        ``-shm`` file, one not yet initialised, or a database that is no file."""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        try:
            fd = os.open(database + "-shm", os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        try:
            if os.fstat(fd).st_size < HEADER_BYTES:
                return None
            return cls(mmap.mmap(fd, HEADER_BYTES, access=mmap.ACCESS_READ))
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)  # the mapping keeps the file

    def read(self) -> bytes:
        return self._view[:HEADER_BYTES]

    def close(self) -> None:
        self._view.close()
