"""``rolegate agent`` processes for the end-to-end tests, the launcher and roles they serve, and
the environment an unmodified program finds them through."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sts_helpers import Account, User, allow, document, trust

from harness import BIN, REGION, Server, _end_with_parent, free_port

EC2 = "ec2.amazonaws.com"
ECS = "ecs-tasks.amazonaws.com"
EKS = "pods.eks.amazonaws.com"
# What every served role may do: read itself (enough for a signed call that can fail).
READ_ROLES = document(allow(["iam:GetRole", "iam:ListRoles"]))


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """No AWS_* of the test process, empty AWS files, IMDS out of reach unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLEGATE_"))}
    env.update(
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        HOME=str(home),
    )
    env.update(extra)
    return env


def launcher(home: Account, role_arn: str = "*", service: str | None = None) -> User:
    """A user allowed to pass ``role_arn`` (to ``service`` only, when given)."""
    condition = {} if service is None else {"StringEquals": {"iam:PassedToService": service}}
    extra = {"Condition": condition} if condition else {}
    return home.user(document(allow("iam:PassRole", role_arn, **extra)))


def service_role(home: Account, service: str, *policies: str, **kw: Any) -> dict[str, Any]:
    actions = ["sts:AssumeRole", "sts:TagSession"] if service == EKS else "sts:AssumeRole"
    return home.role(trust({"Service": service}, actions), *(policies or (READ_ROLES,)), **kw)


def instance_profile(home: Account, role: dict[str, Any]) -> dict[str, Any]:
    iam = home.client()
    name = f"profile-{uuid.uuid4().hex[:8]}"
    profile: dict[str, Any] = iam.create_instance_profile(InstanceProfileName=name)[
        "InstanceProfile"
    ]
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    return profile


@dataclass
class Agent:
    """One ``rolegate agent`` process."""

    server: Server
    who: User
    args: tuple[str, ...]
    home: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / f"agent-{self.port}.log"

    def command(self) -> list[str]:
        return [
            str(BIN / "rolegate"),
            "agent",
            *self.args,
            "--listen",
            f"127.0.0.1:{self.port}",
            "--endpoint-url",
            self.server.endpoint,
        ]

    def environment(self) -> dict[str, str]:
        return clean_environment(
            self.home, AWS_ACCESS_KEY_ID=self.who.key_id, AWS_SECRET_ACCESS_KEY=self.who.secret
        )

    def start(self, *, expect_listening: bool = True) -> Agent:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_end_with_parent,
            )
        if not expect_listening:
            return self
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rolegate agent exited:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"rolegate agent did not listen:\n{self.output()}")

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> str:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.output()


def wait_for(predicate: Any, timeout: float = 60, step: float = 0.2) -> Any:
    """The first true value of ``predicate()`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def run_python(code: str, env: dict[str, str]) -> Any:
    """``code`` in a fresh interpreter with ``env``; its stdout read as JSON."""
    done = subprocess.run(
        [str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def run_aws(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "aws"), "--output", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# An unmodified boto3 program: its default chain, then a call to rolegate with what it found.
BOTO3_WHOAMI = """
import boto3, json, os
session = boto3.Session()
creds = session.get_credentials()
sts = session.client("sts", endpoint_url=os.environ["ROLEGATE_URL"])
print(json.dumps({"method": creds.method, "key": creds.get_frozen_credentials().access_key,
                  "arn": sts.get_caller_identity()["Arn"]}))
"""


def cli_role_arn(endpoint: str, role_name: str, env: dict[str, str]) -> str:
    """``aws iam get-role`` with the credentials the CLI's default chain finds in ``env``."""
    done = run_aws(["--endpoint-url", endpoint, "iam", "get-role", "--role-name", role_name], env)
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["Role"]["Arn"])
