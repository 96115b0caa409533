"""The web console's shared state (revision ``r0017``), so that every node on one database
honors it: console sessions ended by "Sign out" (until their own expiry) and the failed sign-in
counters of account and user names (``console.throttle``).

One row per ``key``: ``session <id>`` for an ended session, or the JSON of a sign-in name. Times
are epoch seconds; ``expires`` is when the row stops mattering (the session's expiry, the end
of a counter's lock or a day after its last failure), and rows past it are deleted on the next
write.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from rolegate.store.schema import metadata

console_guards = Table(
    "console_guards",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("locked_until", BigInteger(), nullable=False),  # 0: not locked
    Column("expires", BigInteger(), nullable=False),
    Index("ix_console_guards_expires", "expires"),
)
