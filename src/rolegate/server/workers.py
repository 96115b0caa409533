"""The threads that run requests' synchronous work (database, policy evaluation) off the loop.

Buys the cost of ``run_in_executor``'s hop on every request (figures: docs/benchmarks.md,
``bench/api_cost.py``).

A ``ThreadPoolExecutor`` hop (``loop.run_in_executor``) builds a concurrent Future, a work item
and an asyncio Future chained to it, and uvloop inspects the callable on every call. Here a job
is one tuple on a queue, and its outcome is handed to the awaiting asyncio Future with one
``call_soon_threadsafe``. ``tests/server/test_workers.py`` covers results, exceptions, cancelled
requests, shutdown and closed loops.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

_Job = tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[..., Any], tuple[Any, ...]]


class WorkerThreads:
    def __init__(self, count: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True)
            for i in range(count)
        ]
        for thread in self._threads:
            thread.start()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on a worker thread; its result, or the exception it raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return await future

    def shutdown(self) -> None:
        """Let the workers finish the jobs queued so far, then end them."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, fn, args = job
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the awaiting request, raised there
                _hand_over(loop, future, _fail, exc)
            else:
                _hand_over(loop, future, _succeed, result)
            del job, loop, future, fn, args  # hold nothing between jobs


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    settle: Callable[[asyncio.Future[Any], Any], None],
    value: Any,
) -> None:
    try:
        loop.call_soon_threadsafe(settle, future, value)
    except RuntimeError:  # the loop closed meanwhile: nobody is waiting any more
        pass


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # a cancelled request (client gone) no longer waits
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
