"""kill -9 under write load (issue 17, 3): every write a client saw acknowledged survives the
crash of the server, and none is left half-written.

Rounds: a ``rolegate serve`` process on the database, four writer threads (write_load.py),
SIGKILL while their requests are in flight, then the next round's server on the same database
(and the same master key in the data directory). After the last restart every acknowledged write
of every round is read back through the API, the database is checked for a half-written
entity with queries of the test's own (fault_helpers.half_written), and the audit trail holds
each acknowledged write's event (write_load.unaudited_writes). ``ROLEGATE_FAULT_ROUNDS``
sets the number of rounds (1 in the default suite; ``make faults`` runs 10).
"""

from __future__ import annotations

import os
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fault_helpers import half_written
from write_load import Write, WriteLoad, api_inconsistencies, missing_writes, unaudited_writes

from conftest_db import BACKENDS, fresh_database_url
from harness import Server

pytestmark = pytest.mark.e2e

ROUNDS = int(os.environ.get("ROLEGATE_FAULT_ROUNDS", "1"))
ENOUGH = 30  # acknowledged writes before the kill: every kind of write, from every writer


class CrashedServer(Server):
    """Not measured by coverage: a process killed with SIGKILL never saves its data."""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.pop("COVERAGE_PROCESS_CONFIG", None)
        return env


@dataclass
class CrashRun:
    """What the rounds leave for the checks: every acknowledged write, and the last server."""

    database_url: str
    acknowledged: list[Write] = field(default_factory=list)
    kills: int = 0


def crash_rounds(data_dir: Path, url: str, prefix: str, rounds: int) -> tuple[CrashRun, Server]:
    """``rounds`` times: serve, load, SIGKILL mid-load; then a server that survived them all."""
    run = CrashRun(url)
    for number in range(rounds):
        server = CrashedServer(data_dir, url).start()
        load = WriteLoad(server.endpoint, f"{prefix}{number}").start()
        deadline = time.monotonic() + 60
        while load.count() < ENOUGH and time.monotonic() < deadline and not load.unexpected:
            time.sleep(0.02)
        time.sleep(random.uniform(0.05, 0.6))  # at a random point of the writers' units
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        load.stop()
        assert not load.unexpected, load.unexpected
        assert load.count() >= ENOUGH, f"round {number}: too few writes before the kill"
        run.acknowledged += load.acknowledged
        run.kills += 1
    return run, Server(data_dir, url).start()


@pytest.mark.parametrize("backend", BACKENDS)
def test_acknowledged_writes_survive_kill_9(backend: str, tmp_path: Path) -> None:
    prefix = f"k{uuid.uuid4().hex[:4]}-"
    with fresh_database_url(backend, tmp_path) as url:
        run, server = crash_rounds(tmp_path / "data", url, prefix, ROUNDS)
        try:
            assert run.kills == ROUNDS
            assert missing_writes(server.endpoint, run.acknowledged) == []
            assert api_inconsistencies(server.endpoint, prefix) == []
            assert half_written(url) == {}
            assert unaudited_writes(server.endpoint, run.acknowledged) == []
            kinds = {write.kind for write in run.acknowledged}
            assert kinds == {"policy", "role", "attachment", "inline", "user", "user_tags"}
        finally:
            server.stop()
