"""The access graph page's computed drawings: one per account, current while the database's
change serial (``Backend.change_serial``, which moves whenever what IAM answers may have changed,
a role's or access key's last use included, through any client or node) is the one it was
computed at.

The graph of an account does not depend on who looks: every operation it is read with
(GetAccountAuthorizationDetails, ListOpenIDConnectProviders, ListSAMLProviders) is authorized
once, on ``*``, and answers the whole account. So a drawing computed with one principal's
credentials is shown to another, after that principal's own request has called each of them
with its session's credentials (``graph_page``).

A drawing is computed on a worker thread, with the credentials and in the context (the
browser's address) of the request that found it missing, one computation per account at a time
(a change in the middle of one is picked up by the next); a request waits for it at most
``WAIT`` seconds: a longer computation is answered with the previous drawing, said to be
recomputing, or, before the first one, with a page saying it is computing (figures:
docs/console.md, ``bench/console_graph.py``).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Generic, TypeVar

from rolegate.console.api import ApiError

T = TypeVar("T")
log = logging.getLogger("rolegate.console")

WAIT = 0.1  # seconds a request waits for a computation (the page's budget is 300 ms)
MAX_ACCOUNTS = 32  # a 5,000-role account's drawing is a few MB
WORKERS = 2  # computations of different accounts at once


@dataclass(frozen=True, slots=True)
class Drawing(Generic[T]):
    value: T
    serial: int  # the change serial read before the account was
    computed_at: float  # time.time(), shown on the page


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    drawing: Drawing[T] | None  # the newest drawing; None: the first is being computed
    recomputing: bool  # a newer one is being computed


class Drawings(Generic[T]):
    """The newest drawing of each account, computed on worker threads; thread-safe."""

    def __init__(
        self, wait: float = WAIT, max_accounts: int = MAX_ACCOUNTS, workers: int = WORKERS
    ) -> None:
        self._wait, self._max = wait, max_accounts
        self._lock = threading.Lock()
        self._kept: dict[str, Drawing[T]] = {}
        self._running: dict[str, Future[Drawing[T]]] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="rolegate-graph")

    def get(self, account: str, serial: int, compute: Callable[[T | None], T]) -> Found[T]:
        """The account's drawing at ``serial``, computing it with ``compute`` (given the
        previous drawing's value, if any, to reuse what has not changed) unless one is kept.
        Serials are only compared for equality: a restored database's may be lower. Raises
        ``compute``'s ``ApiError`` when it fails within the wait."""
        with self._lock:
            kept = self._kept.get(account)
            if kept is not None and kept.serial == serial:
                return Found(kept, False)
            running = self._running.get(account)
            if running is None:  # run in this request's context (the browser's address)
                context = contextvars.copy_context()
                previous = kept.value if kept is not None else None
                work = functools.partial(compute, previous)
                running = self._pool.submit(context.run, self._compute, account, serial, work)
                self._running[account] = running
        try:
            done = running.result(timeout=self._wait)
        except FutureTimeout:
            return Found(kept, True)
        # one started at another serial: shown, and the next request computes again
        return Found(done, done.serial != serial)

    def _compute(self, account: str, serial: int, compute: Callable[[], T]) -> Drawing[T]:
        try:
            drawing = Drawing(compute(), serial, time.time())
        except BaseException as error:
            with self._lock:
                self._running.pop(account, None)
            if not isinstance(error, ApiError):  # an ApiError is the waiting request's answer
                log.exception("the access graph of account %s could not be computed", account)
            raise
        with self._lock:  # kept before it stops running: no request sees neither
            if account not in self._kept and len(self._kept) >= self._max:
                self._kept.clear()
            self._kept[account] = drawing  # the newest: one computation per account at a time
            self._running.pop(account, None)
        return drawing
