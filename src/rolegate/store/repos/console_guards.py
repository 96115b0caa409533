"""The console's shared state (table ``console_guards``, see ``schema_console``): ended
sessions and failed sign-in counters, read and written by every node on the database."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from rolegate.store.dialects import insert_ignoring_duplicates
from rolegate.store.schema_console import console_guards

_g = console_guards.c
# (failures so far, now) -> (locked until, row expires): the throttle's rule (console.throttle)
LockRule = Callable[[int, int], tuple[int, int]]


class ConsoleGuardRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def end_session(self, session_id: str, expires_at: int, now: int) -> None:
        self._prune(now)
        values = {"key": f"session {session_id}", "failures": 0, "locked_until": 0}
        self._conn.execute(
            insert_ignoring_duplicates(console_guards, self._conn.dialect.name),
            {**values, "expires": expires_at},
        )

    def session_ended(self, session_id: str, now: int) -> bool:
        query = select(_g.key).where(_g.key == f"session {session_id}", _g.expires > now)
        return self._conn.execute(query).first() is not None

    def locked_until(self, key: str) -> int:
        row = self._conn.execute(select(_g.locked_until).where(_g.key == key)).first()
        return 0 if row is None else int(row.locked_until)

    def failed(self, key: str, now: int, rule: LockRule) -> int:
        """Counts one more failure of ``key`` (the row locked while it is counted, so that two
        nodes never lose one); the end of its lock (0: none)."""
        self._prune(now)
        self._conn.execute(
            insert_ignoring_duplicates(console_guards, self._conn.dialect.name),
            {"key": key, "failures": 0, "locked_until": 0, "expires": now},
        )
        row = self._conn.execute(select(_g.failures).where(_g.key == key).with_for_update()).one()
        failures = int(row.failures) + 1
        until, expires = rule(failures, now)
        self._conn.execute(
            update(console_guards)
            .where(_g.key == key)
            .values(failures=failures, locked_until=until, expires=expires)
        )
        return until

    def clear(self, key: str) -> None:
        self._conn.execute(delete(console_guards).where(_g.key == key))

    def _prune(self, now: int) -> None:
        self._conn.execute(delete(console_guards).where(_g.expires <= now))
