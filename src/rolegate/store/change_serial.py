"""The database's change serial: what the read caches of every process and node follow
(``store.freshness``; docs/decisions.md, "Read caches").

Every write transaction moves it as its last statement, just before it commits
(``Store.transaction``), and so does a read transaction that made a best-effort last-used write
(the access key and role rows the caches hold). Last, never earlier: on PostgreSQL the row's lock
is then the last any transaction takes, so waiting for it never closes a cycle of waits (a
transaction holding it only commits); taken midway, a transaction holding it could wait for a
row that another transaction holds while that one waits for the serial: a deadlock.
The writes that change nothing a cache holds, the audit outbox's events and their pruning, pass
``counts_as_change=False`` and leave it alone, so they no longer empty every cache.

Why a row of rolegate's own rather than what the database already offers: SQLite's
``data_version`` moves with every commit to the file (audit events included) and PostgreSQL's
``pg_current_snapshot()`` with every write of the cluster, another database's too. The row is
updated last in its transaction, so PostgreSQL writers wait for one another only for the commit
itself (read committed: the second update waits, then applies; no serialization failure).
"""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from rolegate.store.dialects import best_effort_write
from rolegate.store.schema_changes import change_serial

_c = change_serial.c
_BUMP = update(change_serial).where(_c.id == 1).values(serial=_c.serial + 1)
# the probe's statement, run on a raw DB-API connection (store.Store._probe)
PROBE_SQL = "SELECT serial FROM change_serial WHERE id = 1"
SQLITE_DATA_VERSION = "PRAGMA data_version"


def bump(conn: Connection) -> None:
    """Move the serial in ``conn``'s transaction: visible with the writes it commits."""
    conn.execute(_BUMP)


def bump_best_effort(conn: Connection) -> None:
    """``bump`` as a read transaction's last-used write makes it: lost rather than waited for
    on SQLite (``dialects.best_effort_write``), then, like that write, only costs freshness
    elsewhere until the next change."""
    try:
        with best_effort_write(conn):
            conn.execute(_BUMP)
    except OperationalError:
        pass


def leap(conn: Connection) -> None:
    """Move the serial by a random leap: after rows were replaced wholesale (a restore), no
    process may find the value it last saw again."""
    conn.execute(
        update(change_serial)
        .where(_c.id == 1)
        .values(serial=_c.serial + 1 + secrets.randbelow(1 << 40))
    )
