"""The server's log lines: text (the default) or one JSON object per line (``--log-format json``).

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; a line logged
while a request is handled also has its ``request_id``, and the pipeline's line at the end of a
request ``operation``, ``status`` and ``duration_ms`` (``request_fields``); an exception adds
``exception`` (its traceback). Secrets never reach a log line: no code logs a request body, a
response body, a password, a token or an assertion (tests/e2e/test_log_secrets.py checks it).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The request a thread is handling (set by the pipeline; worker threads run one at a time).
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "rolegate_request_id", default=None
)
_FIELDS = ("request_id", "operation", "status", "duration_ms")


def request_fields(
    request_id: str, operation: str, status: int, duration_ms: float
) -> dict[str, Any]:
    """``extra=`` of the log line that ends a request."""
    return {
        "request_id": request_id,
        "operation": operation,
        "status": status,
        "duration_ms": round(duration_ms, 3),
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            line["request_id"] = request_id
        for name in _FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str) -> None:
    """The root logger's one handler (stderr) in ``log_format``; uvicorn's loggers pass their
    lines to it (``rolegate serve`` gives uvicorn no logging configuration of its own)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(
            f"--log-format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}"
        )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
