"""The audit writer in a process of its own (``--audit-writer process``, the default;
``server.audit_process``, docs/audit.md "The writer"), on both backends: it stores the events of
reads, it stores what a killed server had shipped, a service manager's SIGTERM does not cut it
short, and a writer that dies hands its work to a thread of the server."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import by_attribute, eventually

from harness import BIN, Server, server_environment

WRITER = "rolegate.server.audit_process"


def _writers(server: Server) -> list[int]:
    """The server's writer processes (its children running the writer's module)."""
    assert server.process is not None
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if parent == server.process.pid and WRITER.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def _stop_signals_held(pid: int) -> bool:
    """Whether SIGINT and SIGTERM are each blocked or ignored by ``pid`` (/proc's masks)."""
    masks = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("SigBlk", "SigIgn"):
            masks[name] = int(value.strip(), 16)
    held = masks["SigBlk"] | masks["SigIgn"]
    return all(held & (1 << (number - 1)) for number in (signal.SIGINT, signal.SIGTERM))


def _gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # ended; its parent has not reaped it yet
            return True
        time.sleep(0.05)
    return False


def _shipped(server: Server, timeout: float = 30) -> None:
    """Wait until the server holds no draft it has not shipped (``rolegate_audit_backlog``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{server.endpoint}/metrics", timeout=5) as answer:
            lines = answer.read().decode().splitlines()
        if "rolegate_audit_backlog 0.0" in lines:
            return
        time.sleep(0.05)
    raise AssertionError("the server did not ship its drafts")


def _calls(server: Server, count: int) -> list[str]:
    sts = server.client("sts")
    return [str(sts.get_caller_identity()["ResponseMetadata"]["RequestId"]) for _ in range(count)]


def _recorded(server: Server, request_ids: list[str]) -> set[str]:
    """The request ids of ``request_ids`` that have their GetCallerIdentity event."""
    cloudtrail = server.client("cloudtrail")

    def find() -> list[dict[str, Any]]:
        events = by_attribute(cloudtrail, "EventName", "GetCallerIdentity")
        return [e for e in events if e["record"]["requestID"] in set(request_ids)]

    return {e["record"]["requestID"] for e in eventually(find, len(request_ids))}


def test_a_writer_process_stores_the_events_of_reads(
    start_server: Callable[..., Server],
) -> None:
    server = start_server()
    assert len(_writers(server)) == 1
    sent = _calls(server, 5)
    assert _recorded(server, sent) == set(sent)


def test_the_thread_writer_starts_no_process(start_server: Callable[..., Server]) -> None:
    server = start_server(args=("--audit-writer", "thread"))
    assert _writers(server) == []
    sent = _calls(server, 3)
    assert _recorded(server, sent) == set(sent)


def test_a_writer_that_dies_hands_over_to_a_thread(start_server: Callable[..., Server]) -> None:
    server = start_server()
    [writer] = _writers(server)
    os.kill(writer, signal.SIGKILL)
    assert _gone(writer)
    sent = _calls(server, 5)  # answered as before; the events no longer have a process to go to
    assert _recorded(server, sent) == set(sent)
    assert "the writer process stopped" in server.output()
    assert _writers(server) == []


def test_what_a_killed_server_shipped_is_stored(start_server: Callable[..., Server]) -> None:
    server = start_server()
    [writer] = _writers(server)
    sent = _calls(server, 5)
    _shipped(server)  # in the writer's pipe or beyond
    assert server.process is not None
    server.process.kill()
    server.process.wait()
    assert _gone(writer)  # the pipe's end: it stores what it has, then exits
    server.start()  # the same data directory and database
    assert _recorded(server, sent) == set(sent)


def test_sigterm_to_the_writer_and_the_server_loses_nothing(
    start_server: Callable[..., Server],
) -> None:
    """What a service manager does at stop: SIGTERM to every process of the service."""
    server = start_server()
    [writer] = _writers(server)
    assert _stop_signals_held(writer)  # from its first instruction: blocked, then ignored
    sent = _calls(server, 5)
    _shipped(server)  # in the writer's pipe, or stored: the writer may still be starting
    os.kill(writer, signal.SIGTERM)  # ignored: it ends when the server closes its pipe
    server.stop()
    assert _gone(writer)
    server.start()
    assert _recorded(server, sent) == set(sent)
    assert "the writer process" not in server.output()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--audit-writer", "bogus"], {}, "invalid choice: 'bogus'"),
        (
            [],
            {"ROLEGATE_AUDIT_WRITER": "bogus"},
            "--audit-writer must be one of process, thread, not 'bogus'",
        ),
    ],
)
def test_an_unknown_writer_is_refused_at_start(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    done = subprocess.run(
        [str(BIN / "rolegate"), "serve", "--data-dir", str(tmp_path), "--port", "1", *args],
        env=server_environment(env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert message in done.stderr
