"""``GET /readyz``: 200 when the database answers and its schema is at this rolegate's head
revision, else 503 with the reason, as JSON (docs/operations.md). ``GET /healthz`` (the process
answers) needs no module.

The check runs on a thread of its own and is given ``READY_TIMEOUT_S``: a database that does
not answer (a dropped network, a full pool) makes the probe fail on time, never hang, and the
request threads are not used, so a probe is answered while they are all busy.
"""

from __future__ import annotations

import asyncio
import json
import threading

from rolegate.store import Store
from rolegate.store.migrate import schema_problem

READY_TIMEOUT_S = 3.0


async def readiness(store: Store) -> tuple[int, bytes]:
    """The status and JSON body of ``/readyz``."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str | None] = loop.create_future()

    def check() -> None:
        try:
            problem = schema_problem(store.engine)
        except Exception as exc:  # reported, never raised into the loop
            problem = f"readiness check failed: {type(exc).__name__}"
        try:
            loop.call_soon_threadsafe(_settle, answer, problem)
        except RuntimeError:  # the loop closed meanwhile
            pass

    threading.Thread(target=check, name="rolegate_readyz", daemon=True).start()
    try:
        problem = await asyncio.wait_for(answer, READY_TIMEOUT_S)
    except TimeoutError:
        problem = f"the database did not answer within {READY_TIMEOUT_S:g} s"
    if problem is None:
        return 200, b'{"status":"ready"}\n'
    return 503, json.dumps({"status": "not ready", "reason": problem}).encode() + b"\n"


def _settle(answer: asyncio.Future[str | None], problem: str | None) -> None:
    if not answer.done():
        answer.set_result(problem)
