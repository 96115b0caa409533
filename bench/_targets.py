"""Benchmark targets: a server process started on a free loopback port, with its credentials.

``Target`` is used as a context manager: ``__enter__`` starts the server and waits until it
answers, ``__exit__`` stops it and removes its scratch state. ``server_cpu_seconds`` sums user and
system CPU over the server's whole process tree (uvicorn may fork workers), read from /proc.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from _http import Endpoint
from _postgres import ScratchDatabase

HOST = "127.0.0.1"
ACCOUNT_ID = "123456789012"
ROOT_ACCESS_KEY_ID = "AKIAIOSFODNN7BENCH01"
ROOT_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHKEY01"
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Target:
    """A server under test. Subclasses say how to start it and where it reports readiness."""

    name = "target"
    health_path = "/"
    setup_connections = 4  # parallel connections for the untimed setup calls

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = Endpoint(HOST, self.port, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
        self.account_id = ACCOUNT_ID
        self._process: subprocess.Popen[bytes] | None = None
        self._scratch_dir: Path | None = None  # the log and any state; made on start

    @property
    def scratch_dir(self) -> Path:
        if self._scratch_dir is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._scratch_dir

    @property
    def _log_path(self) -> Path:
        return self.scratch_dir / "server.log"

    def prepare_state(self) -> None:
        """Hook run before the server starts (e.g. create its database)."""

    def after_start(self) -> None:
        """Hook run once the server answers (e.g. adjust its settings)."""

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def describe(self) -> str:
        return self.name

    def __enter__(self) -> Target:
        self._scratch_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-bench-"))
        try:
            self.prepare_state()
            with self._log_path.open("wb") as log:  # the child keeps its own copy of the file
                self._process = subprocess.Popen(
                    self.command(),
                    env=self.environment(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: stopped as one, with workers
                )
            self._wait_until_ready()
            self.after_start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self.stop_process()
        if self._scratch_dir is not None:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)

    def stop_process(self) -> None:
        """Stop the server (and its workers); its scratch state stays until ``stop``."""
        process, self._process = self._process, None
        if process is not None:
            _signal_group(process.pid, signal.SIGTERM)  # workers too, even if the parent died
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._process.pid

    def server_cpu_seconds(self) -> float:
        if self._process is None:
            return 0.0
        total = 0
        for pid in _process_tree(self._process.pid):
            ticks = cpu_ticks(Path(f"/proc/{pid}/stat"))
            if ticks is not None:  # else exited meanwhile
                total += sum(ticks)
        return total / os.sysconf("SC_CLK_TCK")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        url = f"http://{HOST}:{self.port}{self.health_path}"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited while starting:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {START_TIMEOUT_SECONDS:.0f} s")


class MotoTarget(Target):
    """moto's own ``moto_server`` (Flask on Werkzeug's threaded dev server), default account."""

    name = "moto"
    health_path = "/moto-api/"
    setup_connections = 1  # concurrent CreateRole calls race in moto's IAM backend (HTTP 500)

    def command(self) -> list[str]:
        return [str(VENV_BIN / "moto_server"), "-H", HOST, "-p", str(self.port)]


class RolegateTarget(Target):
    """``rolegate serve`` on a fresh data directory (SQLite) or a scratch PostgreSQL database."""

    name = "rolegate"
    health_path = "/healthz"

    def __init__(
        self, database_url: str | None = None, workers: int = 1, threads: int | None = None
    ) -> None:
        super().__init__()
        self.workers = workers
        self.threads = threads  # None: rolegate serve's default
        self._scratch = ScratchDatabase(database_url) if database_url else None

    def describe(self) -> str:
        storage = "PostgreSQL" if self._scratch else "SQLite"
        threads = "" if self.threads is None else f", {self.threads} threads"
        plural = "s" if self.workers > 1 else ""
        return f"rolegate ({storage}, {self.workers} worker{plural}{threads})"

    def command(self) -> list[str]:
        command = [str(VENV_BIN / "rolegate"), "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--data-dir", str(self.scratch_dir / "data"), "--workers", str(self.workers)]
        if self.threads is not None:
            command += ["--threads", str(self.threads)]
        if self._scratch is not None:
            command += ["--database-url", self._scratch.url]
        return command

    def environment(self) -> dict[str, str]:
        """This run's settings only: inherited ``ROLEGATE_*`` (a database URL...) would leak in."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("ROLEGATE_")}
        return {
            **inherited,
            "ROLEGATE_DEFAULT_ACCOUNT_ID": ACCOUNT_ID,
            "ROLEGATE_ROOT_ACCESS_KEY_ID": ROOT_ACCESS_KEY_ID,
            "ROLEGATE_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET_ACCESS_KEY,
        }

    def prepare_state(self) -> None:
        if self._scratch is not None:
            self._scratch.create()  # ``stop`` drops it, also when the start fails

    def after_start(self) -> None:
        """Raise the account's roles quota to AWS's maximum (5,000; the default 1,000 is what
        the setup preloads, and the mix creates more). A rolegate without the admin command
        (no quotas yet) is left as it is."""
        command = [str(VENV_BIN / "rolegate"), "account", "quota", "set"]
        command += ["--account-id", ACCOUNT_ID, "--name", "RolesQuota", "--value", "5000"]
        if self._scratch is not None:
            command += ["--database-url", self._scratch.url]
        else:
            command += ["--data-dir", str(self.scratch_dir / "data")]
        done = subprocess.run(command, env=self.environment(), capture_output=True, text=True)
        if done.returncode != 0 and "invalid choice" not in done.stderr:
            raise RuntimeError(f"cannot raise the roles quota: {done.stderr.strip()}")

    def stop(self) -> None:
        super().stop()
        if self._scratch is not None:
            self._scratch.drop()


def _signal_group(group: int, signal_number: int) -> None:
    try:
        os.killpg(group, signal_number)
    except ProcessLookupError:
        pass  # every process of the group has exited already


def cpu_ticks(stat: Path) -> tuple[int, int] | None:
    """User and system clock ticks from a ``/proc`` ``stat`` file (of a process or of one of its
    threads), or None when it is gone."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]), int(fields[12])  # utime, stime (fields 14 and 15)


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        tree.append(pid)
        frontier.extend(children.get(pid, []))
    return tree
