"""The audit writer process's pipe (server.audit_process): frames, a batch with an item that
does not pickle (it is left out and logged; the rest goes on), and a writer that reads nothing
(stopped at close; what is left goes to the thread writer), one that dies (started again),
one that cannot start (the thread writer)."""

from __future__ import annotations

import io
import json
import logging
import pickle
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rolegate.audit import Outbox
from rolegate.domain.audit_event import AuditEvent
from rolegate.server import audit_process
from rolegate.server.audit_process import ProcessWriter, _pickled, _read_frame, _write_frame
from rolegate.server.audit_trail import Draft, ThreadWriter
from rolegate.server.settings import Settings
from rolegate.server.storage import open_store
from rolegate.store import AuditQuery


def _draft(request_id: str, request: object = None) -> Draft:
    return Draft(
        service="sts",
        operation="GetCallerIdentity",
        time=datetime(2026, 12, 7, tzinfo=UTC),
        region="us-east-1",
        request_id=request_id,
        identity={"type": "Root", "accountId": "123456789012"},
        account_id="123456789012",
        read_only=True,
        source_ip="127.0.0.1",
        user_agent="test",
        request=request,  # type: ignore[arg-type]
        response=None,
        error_code=None,
        error_message=None,
    )


def test_frames_round_trip_and_a_torn_frame_ends_the_pipe() -> None:
    pipe = io.BytesIO()
    _write_frame(pipe, b"first")
    _write_frame(pipe, b"")
    _write_frame(pipe, b"third")
    data = pipe.getvalue()
    whole = io.BytesIO(data)
    assert [_read_frame(whole) for _ in range(4)] == [b"first", b"", b"third", None]
    torn = io.BytesIO(data[:-2])  # the writer died mid-frame
    assert [_read_frame(torn) for _ in range(3)] == [b"first", b"", None]


def test_an_item_that_does_not_pickle_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    items = [_draft("a"), _draft("b", {"Lock": threading.Lock()}), _draft("c")]
    with caplog.at_level(logging.ERROR, "rolegate.audit"):
        batch = pickle.loads(_pickled(items))  # type: ignore[arg-type]
    assert [draft.request_id for draft in batch] == ["a", "c"]
    assert "request b not recorded" in caplog.text


def test_a_batch_that_pickles_is_kept_whole() -> None:
    items = [_draft("a", {"RoleName": "r", "When": datetime(2026, 1, 1, tzinfo=UTC)})]
    assert pickle.loads(_pickled(items)) == items  # type: ignore[arg-type]


def test_a_writer_that_reads_nothing_is_stopped_at_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A writer process that takes nothing (stopped, stuck) fills its pipe; at close the server
    stops it and hands what it still holds to the thread writer, instead of hanging."""
    monkeypatch.setattr(audit_process, "CLOSE_TIMEOUT", 1.0)
    stored: list[str] = []
    fallback = ThreadWriter(
        Outbox(lambda events: stored.extend(event.event_id for event in events)),
        complete=lambda draft: [_event(draft.request_id)],
    )
    writer = ProcessWriter(Settings(data_dir=tmp_path), fallback=fallback)
    writer._process = subprocess.Popen(["sleep", "60"], stdin=subprocess.PIPE)
    writer._thread = threading.Thread(target=writer._run, daemon=True)
    writer._thread.start()
    for number in range(3000):  # about 300 KB of pickles: more than a pipe holds
        writer.draft(_draft(str(number)))
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, "rolegate.audit"):
        writer.close()
    assert time.monotonic() - started < 10
    assert writer._process.returncode == -signal.SIGKILL
    assert "took nothing" in caplog.text and "the writer process stopped" in caplog.text
    assert 0 < len(stored) < 3000  # what was still queued; the pipe's contents went with it
    assert stored == [str(n) for n in range(3000 - len(stored), 3000)]  # the newest, in order


def _event(event_id: str) -> AuditEvent:
    return AuditEvent(
        event_id=event_id,
        account_id="123456789012",
        event_time=datetime(2026, 12, 7, tzinfo=UTC),
        event_name="GetCallerIdentity",
        event_source="sts.amazonaws.com",
        username=None,
        access_key_id=None,
        read_only=True,
        resources=(),
        record="{}",
    )


def test_a_writer_that_cannot_start_leaves_the_events_to_the_thread_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stored: list[str] = []
    fallback = ThreadWriter(
        Outbox(lambda events: stored.extend(event.event_id for event in events)),
        complete=lambda draft: [_event(draft.request_id)],
    )
    writer = ProcessWriter(Settings(data_dir=tmp_path), fallback=fallback)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    with caplog.at_level(logging.ERROR, "rolegate.audit"):
        writer.start()
    assert "the writer process could not start" in caplog.text
    writer.draft(_draft("a"))
    writer.draft(_draft("b"))
    writer.close()
    assert stored == ["a", "b"]


def test_a_writer_that_dies_is_started_again_and_gets_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A real writer process killed: the next batch breaks the pipe, another writer starts and
    stores it (the thread writer gets nothing). Younger than ``RESTART_SPACING`` a writer is not
    started again: spacing 0 here, so that the test need not wait."""
    monkeypatch.setattr(audit_process, "RESTART_SPACING", 0.0)
    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)  # the schema, as the server makes it before its writer starts
    fallback_got: list[str] = []
    fallback = ThreadWriter(
        Outbox(lambda events: fallback_got.extend(event.event_id for event in events)),
        complete=lambda draft: [_event(draft.request_id)],
    )
    writer = ProcessWriter(settings, fallback=fallback)
    with caplog.at_level(logging.ERROR, "rolegate.audit"):
        writer.start()
        first = writer._process
        assert first is not None
        first.kill()
        first.wait()
        for number in range(5):
            writer.draft(_draft(f"after-{number}"))
        deadline = time.monotonic() + 30
        while writer.backlog and time.monotonic() < deadline:  # shipped by its thread
            time.sleep(0.01)
        writer.close()
    assert writer._process is not first and writer._process is not None
    assert writer._process.returncode == 0
    assert "started another" in caplog.text and "from now on" not in caplog.text
    assert fallback_got == []
    query = AuditQuery(
        account_id="123456789012",
        start=datetime(2026, 12, 6, tzinfo=UTC),
        end=datetime(2026, 12, 8, tzinfo=UTC),
        limit=50,
    )
    with store.transaction(write=False) as tx:
        found = tx.audit_events.lookup(query)
    store.close()
    assert sorted(json.loads(event.record)["requestID"] for event in found) == [
        f"after-{number}" for number in range(5)
    ]
