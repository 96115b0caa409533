"""The change serial read from the event loop, for PostgreSQL: what lets a request whose reads
all hit the read cache be answered on the loop (``server.inline``) on PostgreSQL too.

On SQLite the freshness check (``Store._probe``) is a local call and runs inside the cache-only
transaction. On PostgreSQL it is a round trip, which must not block the loop: this probe sends it
on an asyncio connection of its own (psycopg, autocommit) and the request awaits the answer, then
runs in a cache-only transaction given that serial (``Store.transaction(serial=...)``).

Requests share round trips. A caller joins the probe that has not been sent yet, and a probe is
sent only after every caller that joined it had begun, so the serial it reads holds every change
committed before each of them began: the bound of ``store.freshness`` (a change through any node
before a request begins is seen by that request) stands. While one probe is on the wire, the
callers that arrive wait for the next, sent as soon as the answer is back: one round trip at a
time per process, however many requests are waiting.

Any failure (connection refused, lost, a timeout) fails the callers of that probe and drops the
connection; they then run on a worker thread, whose own probe reports the database's state as a
request always did (``StoreUnavailable``: 5xx ``ServiceFailure``).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import psycopg
from sqlalchemy.engine import URL

from rolegate.store.change_serial import PROBE_SQL
from rolegate.store.dialects import pg_connect_args

# the longest a probe may take before its callers go to the threads (a stalled connection)
PROBE_TIMEOUT_S = 5.0


class LoopProbeFailed(Exception):
    """The serial could not be read from the loop: run the request on a worker thread."""


class LoopProbe:
    """One per store and event loop; used by the loop's thread only."""

    def __init__(self, url: URL) -> None:
        """``url``: the store's engine's (``postgresql+psycopg://``)."""
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connect_args = pg_connect_args(url)
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._next: asyncio.Future[int] | None = None  # the probe callers join: not sent yet
        self._on_wire: asyncio.Future[int] | None = None  # the probe sent, not yet answered
        self._sender: asyncio.Task[None] | None = None

    async def serial(self) -> int:
        """The change serial, read by a statement sent after this call began."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        joined = self._next
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_probes())
        # shielded: a caller that goes away (its client left) does not cancel the others' probe
        return await asyncio.shield(joined)

    async def _send_probes(self) -> None:
        while self._next is not None:
            # later callers wait for the next round trip
            joined, self._next, self._on_wire = self._next, None, self._next
            try:
                value = await asyncio.wait_for(self._read(), PROBE_TIMEOUT_S)
            except Exception as exc:  # every failure: the callers go to the threads
                await self._drop()
                _fail(joined, LoopProbeFailed(str(exc) or type(exc).__name__))
            else:
                joined.set_result(value)
            finally:
                self._on_wire = None

    async def _read(self) -> int:
        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, **self._connect_args
            )
        cursor = await self._connection.execute(PROBE_SQL)
        row = await cursor.fetchone()
        if row is None:  # no serial row (a damaged schema): the threads' probe says so
            raise LoopProbeFailed("no change serial row")
        return int(row[0])

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # broken already: nothing more to release
                await connection.close()

    def abandon(self) -> None:
        """Close the connection without its loop (which may be gone: a runtime stopped without
        its lifespan's shutdown): libpq's own close of the socket, synchronous."""
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            connection.pgconn.finish()

    async def close(self) -> None:
        """Stop probing: callers still waiting go to the threads; the connection is closed."""
        waiting = (self._on_wire, self._next)
        self._next = None
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
            with contextlib.suppress(BaseException):
                await self._sender
        for joined in waiting:
            if joined is not None and not joined.done():
                _fail(joined, LoopProbeFailed("the probe is closed"))
        await self._drop()


def _fail(joined: asyncio.Future[int], error: LoopProbeFailed) -> None:
    joined.set_exception(error)
    joined.exception()  # retrieved: a caller gone meanwhile leaves no "never retrieved" warning
