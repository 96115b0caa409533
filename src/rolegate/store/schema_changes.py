"""The change serial (revision ``r0019``): one row whose ``serial`` moves, in the same transaction,
with every write to what the read caches hold (``store.change_serial``).

Not data: backups, copies and ``Store.reset`` leave it out and move it on instead
(``store.snapshot.tables_at``), so no process mistakes a restored database for the one it cached.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, Table

from rolegate.store.schema import metadata

change_serial = Table(
    "change_serial",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),  # always 1
    Column("serial", BigInteger(), nullable=False),
)
