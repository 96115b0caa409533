"""``server.workers``: requests' synchronous work on worker threads, outcomes handed back to the
event loop.

What a request may meet: a result, an exception, a client gone before the work ended (its
awaiting future cancelled), a server shutting down with work queued, and work ending after its
event loop closed. In none of them may a worker thread die or an outcome be lost; the worker
threads are one per test so that queue order is what is checked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from rolegate.server.workers import WorkerThreads

# Only a guard against a hang (a dead worker never answers): no timing is asserted.
GUARD_SECONDS = 60


@pytest.fixture
def workers() -> Iterator[WorkerThreads]:
    threads = WorkerThreads(1, "test_workers")
    yield threads
    threads.shutdown()


def _run(workers: WorkerThreads, fn: Any, *args: Any) -> Any:
    async def main() -> Any:
        return await asyncio.wait_for(workers.run(fn, *args), GUARD_SECONDS)

    return asyncio.run(main())


def test_a_result_comes_back_from_a_worker_thread(workers: WorkerThreads) -> None:
    def where(a: int, b: int) -> tuple[int, str]:
        return a + b, threading.current_thread().name

    total, thread = _run(workers, where, 2, 3)
    assert total == 5
    assert thread == "test_workers_0" != threading.current_thread().name


def test_an_exception_is_raised_in_the_awaiting_request(workers: WorkerThreads) -> None:
    error = LookupError("no such role")

    def fail() -> None:
        raise error

    with pytest.raises(LookupError) as caught:
        _run(workers, fail)
    assert caught.value is error
    assert _run(workers, lambda: "still working") == "still working"


def test_a_cancelled_request_leaves_the_worker_and_the_loop_clean(
    workers: WorkerThreads,
) -> None:
    """The client went away while its work ran: the work's outcome has nowhere to go and is
    dropped, without an error in the event loop (setting a cancelled future's result raises)."""
    started, release = threading.Event(), threading.Event()
    loop_errors: list[dict[str, Any]] = []

    def blocked() -> str:
        started.set()
        release.wait()
        return "nobody reads this"

    async def main() -> str:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx))
        request = asyncio.create_task(workers.run(blocked))
        await asyncio.to_thread(started.wait)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        release.set()
        # one thread, first come first served: this answer comes after the cancelled one's
        answer: str = await asyncio.wait_for(workers.run(lambda: "next"), GUARD_SECONDS)
        await asyncio.sleep(0)  # let the loop run any callback still queued
        return answer

    assert asyncio.run(main()) == "next"
    assert loop_errors == []


def test_shutdown_finishes_the_jobs_queued_before_it() -> None:
    workers = WorkerThreads(1, "test_shutdown")
    release = threading.Event()
    done: list[int] = []

    def job(number: int) -> int:
        release.wait()
        done.append(number)
        return number

    async def main() -> list[int]:
        requests = [asyncio.create_task(workers.run(job, n)) for n in range(5)]
        await asyncio.sleep(0)  # every request has queued its job
        shutting_down = asyncio.create_task(asyncio.to_thread(workers.shutdown))
        release.set()
        await asyncio.wait_for(shutting_down, GUARD_SECONDS)
        return list(await asyncio.gather(*requests))

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    assert done == [0, 1, 2, 3, 4]
    assert not any(t.name.startswith("test_shutdown") for t in threading.enumerate())


def test_work_ending_after_its_loop_closed_is_dropped(workers: WorkerThreads) -> None:
    """A loop that closed (server stopped) while its work ran: the worker hands the outcome to
    nobody and goes on with the next job, of another loop."""
    started, release = threading.Event(), threading.Event()

    def blocked() -> str:
        started.set()
        release.wait()
        return "too late"

    loop = asyncio.new_event_loop()
    request = loop.create_task(workers.run(blocked))
    loop.run_until_complete(asyncio.sleep(0))  # the job is queued
    assert started.wait(GUARD_SECONDS)
    request.cancel()
    loop.run_until_complete(asyncio.gather(request, return_exceptions=True))
    loop.close()
    release.set()
    assert _run(workers, lambda: "alive") == "alive"
