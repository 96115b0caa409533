"""The audit trail as JSON lines, for log shippers: one CloudTrail record per line, to a file
(``--audit-log PATH``, appended to, created mode 0600) or standard output (``--audit-log -``).

Each batch is one ``write`` on a file opened ``O_APPEND``, so the lines of several processes
(``--workers N``) never interleave within a line.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path


class JsonLines:
    def __init__(self, target: str) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._fd: int | None = None
        if target != "-":
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, records: Iterable[str]) -> None:
        data = "".join(f"{record}\n" for record in records).encode()
        if not data:
            return
        with self._lock:
            if self._fd is None:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
                return
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
