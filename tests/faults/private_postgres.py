"""A PostgreSQL cluster of the test's own, to stop and start under a running rolegate.

The shared server on 127.0.0.1:5432 serves every other test at the same time and is never
touched. This cluster is Debian's binaries (``/usr/lib/postgresql/<version>/bin``), initialised
into a temporary directory and run as the ``postgres`` OS user (initdb refuses root), on a free
port, with trust authentication on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from harness import free_port


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.fail("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


@dataclass
class PrivatePostgres:
    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rg-pg-")))

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _as_postgres(self, *command: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"

    def init(self) -> PrivatePostgres:
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            str(postgres_bin() / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        )
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        log = str(self.directory / "postgres.log")
        self._as_postgres(
            str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends the sessions and shuts down cleanly; ``immediate`` is a crash."""
        self._as_postgres(
            str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )

    def ready(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except AssertionError:
                pass  # already stopped
        shutil.rmtree(self.directory, ignore_errors=True)
