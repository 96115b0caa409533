"""The audit writer in a process of its own (``--audit-writer process``, the default of
``rolegate serve``).

Building a CloudTrail record and storing it costs 13-16 µs of Python per event. On a thread of
the server those microseconds held the interpreter lock that the event loop needs, so every
request paid for them, and for the lock's hand-offs: 50-70 µs per request in all
(docs/decisions.md, "The audit writer in its own process"). Here the server only turns each
request's note into a ``Draft`` of plain values; a thread pickles a batch of them every
``SHIP_INTERVAL`` seconds (or as soon as ``BATCH`` wait) and writes it to the writer's standard
input; the writer, a ``python -m rolegate.server.audit_process`` child, completes, stores and
streams them with the same ``AuditTrail`` and outbox the thread writer uses, and prunes the
trail.

Frames on the pipe: a 4-byte little-endian length, then a pickle: the first frame the server's
``Settings``, every other a list of drafts and committed events (to stream only). Pickle is safe
here: the pipe joins two processes of the same program and nothing else writes to it.

Lifecycle:

* the server starts the writer at start-up and does not wait for it;
* at shutdown the server ships what it holds and closes the pipe; the writer stores and streams
  everything, then exits, and the server waits for it (30 s at most);
* the writer ignores SIGINT and SIGTERM, which a terminal or a service manager sends to the
  whole group (blocked from its start until it ignores them): it ends when its pipe closes, so
  a killed server's last batches are still stored;
* a writer that dies breaks the pipe: the server starts another and sends it the batch that did
  not go through; one that dies within ``RESTART_SPACING`` seconds of its start (or never
  starts, or dies while the server stops) is not started again: the server logs it and from
  then on writes its events on a thread of its own (``ThreadWriter``), as ``--audit-writer
  thread`` does.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from typing import IO

from rolegate.audit.outbox import BATCH, MAX_BACKLOG
from rolegate.domain.audit_event import AuditEvent
from rolegate.server.audit_trail import AuditTrail, Draft, ThreadWriter
from rolegate.server.settings import Settings

log = logging.getLogger("rolegate.audit")

SHIP_INTERVAL = 0.1  # seconds between batches; what a kill -9 of the server can lose
RESTART_SPACING = 10.0  # a writer that dies younger than this is not started again
CLOSE_TIMEOUT = 30.0
_LENGTH = struct.Struct("<I")
_GROUP_SIGNALS = {signal.SIGINT, signal.SIGTERM}  # what a stop sends to every process

Item = Draft | AuditEvent


class ProcessWriter:
    """The server's side: queue on the request path, ship on a thread, fall back to
    ``fallback`` (a thread writer, not started) if the writer process goes away."""

    def __init__(self, settings: Settings, *, fallback: ThreadWriter) -> None:
        self._settings = settings
        self._fallback = fallback
        self._streaming = settings.audit_log is not None
        self._queue: deque[Item] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._failed = False  # the writer process went away: everything goes to ``fallback``
        self._spawned_at = 0.0

    # --- the request path: an append, nothing else --------------------------------------------
    def draft(self, draft: Draft) -> None:
        self._append(draft)

    def stored(self, event: AuditEvent) -> None:
        """A committed event goes over only to be streamed, in order with the drafts."""
        if self._streaming:
            self._append(event)

    def _append(self, item: Item) -> None:
        if self._failed:
            self._hand_over(item)
            return
        queue = self._queue
        queue.append(item)
        if len(queue) >= BATCH:
            self._wake.set()
            while len(queue) > MAX_BACKLOG:  # the oldest first, as the outbox trims
                queue.popleft()

    @property
    def backlog(self) -> int:
        return len(self._queue) + (self._fallback.backlog if self._failed else 0)

    # --- start and stop -----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        if not self._spawn():
            self._fail("could not start", None)
        self._thread = threading.Thread(target=self._run, name="rolegate-audit-ship", daemon=True)
        self._thread.start()

    def _spawn(self) -> bool:
        """Start a writer process and send it the settings; False when it could not start."""
        # The child starts with SIGINT and SIGTERM blocked (a signal mask survives exec) and
        # ignores them before it unblocks them: a stop that reaches it while it is still starting
        # cannot kill it with drafts in its pipe. Blocked here, for a moment, not lost.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _GROUP_SIGNALS)
        try:
            self._process = subprocess.Popen(  # our own module, no shell
                [sys.executable, "-m", "rolegate.server.audit_process"],
                stdin=subprocess.PIPE,
                close_fds=True,
            )
            assert self._process.stdin is not None
            _write_frame(self._process.stdin, pickle.dumps(self._settings))
        except OSError:
            return False
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self._spawned_at = time.monotonic()
        return True

    def close(self) -> None:
        """Ship what is queued, close the pipe, wait for the writer to store it all."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=CLOSE_TIMEOUT)
            if self._thread.is_alive() and self._process is not None:
                # Blocked on a pipe the writer no longer reads: stopping the writer breaks the
                # pipe, and what is left goes to the thread writer.
                log.error("audit: the writer process took nothing for %.0f s", CLOSE_TIMEOUT)
                self._process.kill()
                self._thread.join(timeout=CLOSE_TIMEOUT)
            self._thread = None
        self._ship()
        process = self._process
        if process is not None and process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=CLOSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                log.error("audit: the writer process did not finish in %.0f s", CLOSE_TIMEOUT)
                process.kill()
        if self._failed:
            self._fallback.close()

    # --- the shipping thread ------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(SHIP_INTERVAL)
            self._wake.clear()
            self._ship()

    def _ship(self) -> None:
        queue = self._queue
        while queue:
            items = [queue.popleft() for _ in range(min(BATCH, len(queue)))]
            while not self._failed and not self._send(items):  # the writer went away
                self._restart()
            if self._failed:
                for item in items:
                    self._hand_over(item)

    def _send(self, items: list[Item]) -> bool:
        process = self._process
        try:
            assert process is not None and process.stdin is not None
            _write_frame(process.stdin, _pickled(items))
        except (OSError, ValueError, AssertionError):  # a broken or closed pipe
            return False
        return True

    def _restart(self) -> None:
        """After the writer process went away: another one, unless this one lived less than
        ``RESTART_SPACING`` seconds or the server is stopping (then the thread writer)."""
        process = self._process
        code = process.poll() if process is not None else None  # reaped, if it has ended
        if process is not None and process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:  # what it still buffered cannot be written anywhere
                pass
        lived = time.monotonic() - self._spawned_at
        if not self._stopping and lived >= RESTART_SPACING and self._spawn():
            log.error(
                "audit: the writer process stopped (exit status %s) after %.0f s; started another",
                code,
                lived,
            )
            return
        self._fail("stopped", code)

    def _fail(self, what: str, code: int | None) -> None:
        self._failed = True
        log.error(
            "audit: the writer process %s (exit status %s); events are written by a thread "
            "of this process from now on",
            what,
            code,
        )
        self._fallback.start()

    def _hand_over(self, item: Item) -> None:
        if isinstance(item, Draft):
            self._fallback.draft(item)
        else:
            self._fallback.stored(item)


def _pickled(items: list[Item]) -> bytes:
    """The batch as a pickle; an item that does not pickle is logged and left out (the rest
    of its batch goes on)."""
    try:
        return pickle.dumps(items, pickle.HIGHEST_PROTOCOL)
    except Exception:
        kept = []
        for item in items:
            try:
                pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
            except Exception:
                name = item.request_id if isinstance(item, Draft) else item.event_id
                log.exception("audit: request %s not recorded", name)
                continue
            kept.append(item)
        return pickle.dumps(kept, pickle.HIGHEST_PROTOCOL)


def _write_frame(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(_LENGTH.pack(len(data)))
    pipe.write(data)
    pipe.flush()


def _read_frame(pipe: IO[bytes]) -> bytes | None:
    """The next frame, or None at the end of the pipe (a torn last frame included)."""
    head = pipe.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = pipe.read(size)
    return data if len(data) == size else None


def main() -> int:
    """The writer process: what the server's pipe brings, completed, stored and streamed."""
    # A terminal's Ctrl-C or a service manager's SIGTERM reaches the whole group: the writer
    # ends when the server closes its pipe, having stored what the server shipped.
    for number in _GROUP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _GROUP_SIGNALS)  # blocked since the fork
    from rolegate.auth.session_token import SessionTokenCodec
    from rolegate.server.log_format import configure_logging
    from rolegate.server.storage import open_key_ring, open_store, utc_now

    configure_logging(
        os.environ.get("ROLEGATE_LOG_LEVEL", "warning"),
        os.environ.get("ROLEGATE_LOG_FORMAT", "text"),
    )
    pipe = sys.stdin.buffer
    first = _read_frame(pipe)
    if first is None:
        return 0
    settings: Settings = pickle.loads(first)  # our own server, over a private pipe
    ring = open_key_ring(settings)
    store = open_store(settings, ring)
    trail = AuditTrail.open(
        store,
        clock=utc_now,
        region=settings.region,
        retention_days=settings.audit_retention_days,
        stream_to=settings.audit_log,
        session_tokens=SessionTokenCodec(ring),
    )
    trail.start()
    writer = trail.writer
    try:
        while (frame := _read_frame(pipe)) is not None:
            for item in pickle.loads(frame):
                if isinstance(item, Draft):
                    writer.draft(item)
                else:
                    writer.stored(item)
    finally:
        trail.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
