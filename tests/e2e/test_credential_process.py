"""``rolegate credential-process`` named in an AWS config file's ``credential_process``:
unmodified boto3 and AWS CLI processes get the role's credentials through their default chains,
the source credentials coming from ``--profile``; refusals and a profile that would run the
command again; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import BOTO3_WHOAMI, READ_ROLES, clean_environment, cli_role_arn, run_python
from sts_helpers import Account, User, allow, document, trust

from harness import ACCOUNT_ID, BIN, ROOT_KEY_ID, ROOT_SECRET, Server


def aws_files(tmp_path: Path, server: Server, who: User, role_arn: str, *extra: str) -> Path:
    """A config with profile ``app`` (credential_process) and ``launcher`` (the source keys)."""
    command = " ".join(
        [
            str(BIN / "rolegate"),
            "credential-process",
            "--role-arn",
            role_arn,
            "--profile",
            "launcher",
            "--endpoint-url",
            server.endpoint,
            *extra,
        ]
    )
    (tmp_path / "credentials").write_text(
        f"[launcher]\naws_access_key_id = {who.key_id}\naws_secret_access_key = {who.secret}\n"
    )
    config = tmp_path / "config"
    config.write_text(
        "[profile launcher]\nregion = us-east-1\n\n"
        f"[profile app]\nregion = us-east-1\ncredential_process = {command}\n"
    )
    return config


def environment(tmp_path: Path, server: Server, profile: str = "app") -> dict[str, str]:
    return clean_environment(
        tmp_path,
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_PROFILE=profile,
        ROLEGATE_URL=server.endpoint,
    )


@pytest.fixture
def setup(server: Server) -> tuple[Account, User, dict[str, Any]]:
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    who = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"AWS": who.arn}), READ_ROLES)
    return home, who, role


def test_boto3_and_cli_through_credential_process(
    server: Server, tmp_path: Path, setup: tuple[Account, User, dict[str, Any]]
) -> None:
    _, who, role = setup
    aws_files(tmp_path, server, who, role["Arn"], "--duration-seconds", "900")
    env = environment(tmp_path, server)
    found = run_python(BOTO3_WHOAMI, env)
    assert found["method"] == "custom-process"
    assert f":assumed-role/{role['RoleName']}/rolegate-" in found["arn"]
    assert cli_role_arn(server.endpoint, role["RoleName"], env) == role["Arn"]


def test_printed_document(
    server: Server, tmp_path: Path, setup: tuple[Account, User, dict[str, Any]]
) -> None:
    """Version 1 JSON; the endpoint may come from AWS_ENDPOINT_URL instead of the flag."""
    _, who, role = setup
    aws_files(tmp_path, server, who, role["Arn"])
    env = environment(tmp_path, server, profile="launcher")
    env["AWS_ENDPOINT_URL"] = server.endpoint
    done = subprocess.run(
        [str(BIN / "rolegate"), "credential-process", "--role-arn", role["Arn"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert list(printed) == [
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ]
    assert printed["Version"] == 1 and printed["AccessKeyId"].startswith("ASIA")
    assert printed["Expiration"].endswith("Z")


def test_refused_role(server: Server, tmp_path: Path) -> None:
    """A role that does not trust the source: the command fails with rolegate's answer and
    the SDK reports that its credential process failed."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    who = home.user(document(allow("sts:AssumeRole")))
    role = home.role(trust({"Service": "ec2.amazonaws.com"}), READ_ROLES)
    aws_files(tmp_path, server, who, role["Arn"])
    env = environment(tmp_path, server)
    done = subprocess.run(
        [str(BIN / "python"), "-c", BOTO3_WHOAMI],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "CredentialRetrievalError" in done.stderr
    assert (
        f"AccessDenied (403): User: {who.arn} is not authorized to perform: sts:AssumeRole on "
        f"resource: {role['Arn']}"
    ) in done.stderr
    assert who.secret not in done.stderr


def test_a_profile_running_itself_stops(
    server: Server, tmp_path: Path, setup: tuple[Account, User, dict[str, Any]]
) -> None:
    """credential_process without --profile, run with AWS_PROFILE naming that same profile,
    would start itself again: the nested run refuses instead."""
    role = setup[2]
    config = tmp_path / "config"
    config.write_text(
        "[profile loop]\nregion = us-east-1\ncredential_process = "
        f"{BIN / 'rolegate'} credential-process --role-arn {role['Arn']} "
        f"--endpoint-url {server.endpoint}\n"
    )
    (tmp_path / "credentials").write_text("")
    done = subprocess.run(
        [str(BIN / "rolegate"), "credential-process", "--role-arn", role["Arn"]],
        env={**environment(tmp_path, server, profile="loop"), "AWS_ENDPOINT_URL": server.endpoint},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "started by itself" in done.stderr
