"""The AWS SDK for JavaScript v3, unmodified (``@aws-sdk/credential-providers`` from npm:
``fromInstanceMetadata``, ``fromContainerMetadata``, ``fromHttp``, ``fromProcess`` and the
default Node.js chain), gets role credentials from ``rolegate agent`` and
``rolegate credential-process`` and calls rolegate with them; on SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import (
    EC2,
    ECS,
    Agent,
    clean_environment,
    instance_profile,
    launcher,
    service_role,
)
from sts_helpers import Account, allow, document, trust
from test_credential_process import aws_files

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

JS = Path(__file__).resolve().parents[1] / "js-agent"
AUTH_TOKEN = "js-workload-token"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """``npm ci`` once per lock file (under a lock: xdist workers share the folder)."""
    npm = shutil.which("npm")
    assert npm is not None, "the JavaScript tests need Node.js and npm"
    lock = (JS / "package-lock.json").read_bytes()
    wanted = hashlib.sha256(lock).hexdigest()
    marker = JS / "node_modules" / ".rolegate-lock-sha256"
    with open(JS / ".npm-ci.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not marker.exists() or marker.read_text() != wanted:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=JS,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, done.stderr
            marker.write_text(wanted)
    return JS / "node_modules"


def node(mode: str, server: Server, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(JS / "whoami.mjs"), mode, server.endpoint],
        env=env,
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def agents(
    server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Agent, Agent, dict[str, Any], dict[str, Any]]]:
    """An instance agent and a container agent: (imds, container, instance role, task role)."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    folder = tmp_path_factory.mktemp("js")
    instance_role = service_role(home, EC2)
    profile = instance_profile(home, instance_role)
    task_role = service_role(home, ECS)
    (folder / "token").write_text(AUTH_TOKEN)
    imds = Agent(
        server,
        launcher(home, instance_role["Arn"], EC2),
        ("imds", "--instance-profile", profile["InstanceProfileName"]),
        folder,
    ).start()
    try:
        container = Agent(
            server,
            launcher(home, task_role["Arn"], ECS),
            (
                "container",
                "--role-arn",
                task_role["Arn"],
                "--auth-token-file",
                str(folder / "token"),
            ),
            folder,
        ).start()
        try:
            yield imds, container, instance_role, task_role
        finally:
            container.stop()
    finally:
        imds.stop()


def test_from_instance_metadata_and_the_chain(node_modules: Path, agents: Any) -> None:
    imds, _, role, _ = agents
    env = clean_environment(
        imds.home,
        AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url,
        AWS_EC2_METADATA_DISABLED="false",
    )
    for mode in ("instance", "chain"):
        found = node(mode, imds.server, env)
        assert f":assumed-role/{role['RoleName']}/i-" in found["arn"], mode
        assert found["key"].startswith("ASIA")


def test_from_container_metadata_and_the_chain(node_modules: Path, agents: Any) -> None:
    """fromContainerMetadata reads the token from AWS_CONTAINER_AUTHORIZATION_TOKEN only;
    fromHttp (which the default chain uses) also from the _FILE variable."""
    _, container, _, role = agents
    by_token = {"AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH_TOKEN}
    by_file = {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(container.home / "token")}
    for mode, auth in (
        ("container", by_token),
        ("http", by_token),
        ("http", by_file),
        ("chain", by_token),
        ("chain", by_file),
    ):
        env = clean_environment(
            container.home,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{container.url}/v1/credentials",
            **auth,
        )
        found = node(mode, container.server, env)
        assert f":assumed-role/{role['RoleName']}/" in found["arn"], (mode, auth)


def test_from_process_and_the_chain(node_modules: Path, server: Server, tmp_path: Path) -> None:
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    who = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"AWS": who.arn}), document(allow("iam:GetRole")))
    aws_files(tmp_path, server, who, role["Arn"])
    env = clean_environment(
        tmp_path,
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_PROFILE="app",
    )
    for mode in ("process", "chain"):
        found = node(mode, server, env)
        assert f":assumed-role/{role['RoleName']}/rolegate-" in found["arn"], mode
        assert found["expiration"].endswith("Z")
