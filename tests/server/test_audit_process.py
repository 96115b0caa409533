"""The audit writer process's pipe (server.audit_process): frames, and a batch with an item
that does not pickle (it is left out and logged; the rest goes on)."""

from __future__ import annotations

import io
import logging
import pickle
import threading
from datetime import UTC, datetime

import pytest

from rolegate.server.audit_process import _pickled, _read_frame, _write_frame
from rolegate.server.audit_trail import Draft


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
