"""A real ``rolegate serve`` process for end-to-end tests, and clients that reach it.

``Node`` is what the tests need of a server, whether a process (``Server``) or the app in the
test process (``in_process.InProcessNode``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config

ROOT_KEY_ID = "AKIAROLEGATETESTROOT"
# What POST /_rolegate/reset needs besides permissive mode (README.md, "Authentication").
RESET = {"X-Rolegate-Reset": "1"}
ROOT_SECRET = "rolegate/test/secret/key/0123456789abcdefgh"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
BIN = Path(sys.executable).parent


class Node(Protocol):
    """A rolegate node the tests talk to: boto3 clients, admin commands on its database."""

    data_dir: Path
    database_url: str | None

    def client(
        self,
        service: str,
        key_id: str = ...,
        secret: str = ...,
        region_name: str = ...,
        **kw: Any,
    ) -> Any: ...

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]: ...


def server_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``ROLEGATE_*`` and ``AWS_*``, plus the test account
    and root keys (and ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROLEGATE_", "AWS_"))}
    env.update(
        ROLEGATE_DEFAULT_ACCOUNT_ID=ACCOUNT_ID,
        ROLEGATE_ROOT_ACCESS_KEY_ID=ROOT_KEY_ID,
        ROLEGATE_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET,
    )
    env.update(extra or {})
    return env


def run_admin(
    data_dir: Path,
    database_url: str | None,
    args: tuple[str, ...],
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a ``rolegate`` admin command on a node's database."""
    cmd = [str(BIN / "rolegate"), *args, "--data-dir", str(data_dir)]
    if database_url:
        cmd += ["--database-url", database_url]
    return subprocess.run(
        cmd, env=server_environment(env), capture_output=True, text=True, timeout=120
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One server process; ``stop()`` ends it and returns what it printed."""

    data_dir: Path
    database_url: str | None
    auth: str = "strict"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    args: tuple[str, ...] = ()  # more ``rolegate serve`` flags

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            str(BIN / "rolegate"),
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        return [*cmd, "--auth", self.auth, *self.args]

    def environment(self) -> dict[str, str]:
        return server_environment()

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"server-{self.port}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_end_with_parent,
            )
        # generous: a shared 2-core machine under load may take long to import and migrate
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rolegate serve exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()  # no process left behind (nor a Popen that warns when collected)
        raise RuntimeError(f"rolegate serve did not become healthy:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self) -> str:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.output()

    # --- clients -------------------------------------------------------------------------------
    def client(
        self,
        service: str,
        key_id: str = ROOT_KEY_ID,
        secret: str = ROOT_SECRET,
        region_name: str = REGION,
        **kw: Any,
    ) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region_name,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            # No client-side validation: the server's own answers are what the tests check.
            config=Config(retries={"max_attempts": 1}, parameter_validation=False),
            **kw,
        )

    def aws(
        self,
        *args: str,
        key_id: str = ROOT_KEY_ID,
        secret: str = ROOT_SECRET,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the AWS CLI against this server; JSON output."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # the CLI runs no rolegate code: no coverage start-up and data file for it (`make test`)
        env.pop("COVERAGE_PROCESS_CONFIG", None)
        env.update(
            AWS_ACCESS_KEY_ID=key_id,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=str(self.data_dir / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.data_dir / "no-aws-credentials"),
        )
        return subprocess.run(
            [str(BIN / "aws"), "--endpoint-url", self.endpoint, "--output", "json", *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def aws_json(self, *args: str, **kw: Any) -> Any:
        done = self.aws(*args, **kw)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a ``rolegate`` admin command on this server's database."""
        cmd = [str(BIN / "rolegate"), *args, "--data-dir", str(self.data_dir)]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        return subprocess.run(
            cmd, env=self.environment(), capture_output=True, text=True, timeout=120
        )


def _end_with_parent() -> None:
    """In the child before exec: on Linux, SIGTERM the server when the test process dies, so a
    killed test run leaves no server behind (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
