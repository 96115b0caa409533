"""``rolegate serve --workers 2 --audit-log FILE``: both processes append to one stream, on both
backends; every call's record is in it exactly once, each line whole (docs/audit.md,
"Streaming")."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest_db import fresh_database_url
from harness import Server

CALLS = 48


@dataclass
class _TwoWorkers(Server):
    def command(self) -> list[str]:
        return [*super().command(), "--workers", "2", "--threads", "2"]

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.pop("COVERAGE_PROCESS_CONFIG", None)  # as tests/e2e/test_server_processes.py
        return env


def test_two_workers_stream_each_event_once_in_whole_lines(
    backend: str, tmp_path: Path, unique: Any
) -> None:
    stream = tmp_path / "audit.jsonl"
    with fresh_database_url(backend, tmp_path) as url:
        srv = _TwoWorkers(tmp_path / "data", url, args=("--audit-log", str(stream)))
        srv.start()
        try:
            prefix = unique("w")

            def call(n: int) -> str:
                # a client (a connection) of its own per call: either process may answer
                if n % 3 == 0:
                    answer = srv.client("iam").create_user(UserName=f"{prefix}-{n}")
                else:
                    answer = srv.client("sts").get_caller_identity()
                return str(answer["ResponseMetadata"]["RequestId"])

            with ThreadPoolExecutor(max_workers=8) as pool:
                sent = list(pool.map(call, range(CALLS)))
        finally:
            srv.stop()  # graceful: each process's outbox is streamed before it exits
    data = stream.read_bytes()
    assert data.endswith(b"\n")
    records = [json.loads(line) for line in data.decode().splitlines()]  # no torn line
    ids = [r["requestID"] for r in records]
    assert sorted(i for i in ids if i in set(sent)) == sorted(sent)  # each exactly once
    assert len({r["eventID"] for r in records}) == len(records)
    names = {r["requestID"]: r["eventName"] for r in records}
    assert sorted(names[i] for i in sent) == sorted(
        ["CreateUser"] * (CALLS // 3) + ["GetCallerIdentity"] * (CALLS - CALLS // 3)
    )
