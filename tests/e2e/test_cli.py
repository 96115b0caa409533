"""The AWS CLI and the rolegate CLI against real servers."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from harness import BIN, RESET, Server
from signing import send

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_aws_cli_create_and_get_role(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    (tmp_path / "trust.json").write_text(json.dumps(TRUST))
    name = unique("cli")
    created = server.aws_json(
        "iam",
        "create-role",
        "--role-name",
        name,
        "--assume-role-policy-document",
        "file://trust.json",
        cwd=tmp_path,
    )["Role"]
    assert created["Arn"] == f"arn:aws:iam::123456789012:role/{name}"
    got = server.aws_json("iam", "get-role", "--role-name", name)["Role"]
    assert got["RoleId"] == created["RoleId"]
    assert got["AssumeRolePolicyDocument"] == TRUST
    missing = server.aws("iam", "get-role", "--role-name", unique("nobody"))
    assert missing.returncode != 0
    assert "NoSuchEntity" in missing.stderr and "cannot be found" in missing.stderr
    identity = server.aws_json("sts", "get-caller-identity")
    assert identity["Arn"] == "arn:aws:iam::123456789012:root"


def test_account_create_gives_an_isolated_account(
    server: Server, unique: Callable[[str], str]
) -> None:
    done = server.admin("account", "create")
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert len(created["AccountId"]) == 12 and created["AccountId"].isdigit()
    assert created["AccessKeyId"].startswith("AKIA") and len(created["AccessKeyId"]) == 20
    other = server.client("iam", created["AccessKeyId"], created["SecretAccessKey"])
    name = unique("mine")
    server.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    with pytest.raises(ClientError) as excinfo:
        other.get_role(RoleName=name)
    assert excinfo.value.response["Error"]["Code"] == "NoSuchEntity"
    role = other.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    assert role["Arn"] == f"arn:aws:iam::{created['AccountId']}:role/{name}"
    listed = server.admin("account", "list")
    ids = [json.loads(line)["AccountId"] for line in listed.stdout.splitlines()]
    assert created["AccountId"] in ids and "123456789012" in ids
    duplicate = server.admin("account", "create", "--account-id", created["AccountId"])
    assert duplicate.returncode == 1


def test_first_start_generates_credentials_once(tmp_path: Path) -> None:
    """Without configured keys, init generates the root key, shows it once, saves it 0600."""
    data_dir = tmp_path / "generated"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLEGATE_")}
    init = [str(BIN / "rolegate"), "init", "--data-dir", str(data_dir)]
    done = subprocess.run(init, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    saved_path = data_dir / "root-credentials.json"
    saved = json.loads(saved_path.read_text())
    assert stat.S_IMODE(saved_path.stat().st_mode) == 0o600
    assert saved["SecretAccessKey"] in done.stdout  # shown once
    again = subprocess.run(init, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and saved["SecretAccessKey"] not in again.stdout
    assert stat.S_IMODE((data_dir / "master.key").stat().st_mode) == 0o600
    # The secret is sealed at rest: the database file never holds it in plain text.
    assert saved["SecretAccessKey"].encode() not in (data_dir / "rolegate.db").read_bytes()


def test_init_writes_a_working_aws_profile(server: Server, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "credentials")
    env.update(server.environment())
    cmd = [
        str(BIN / "rolegate"),
        "init",
        "--data-dir",
        str(server.data_dir),
        "--profile",
        "rolegate",
        "--endpoint-url",
        server.endpoint,
    ]
    if server.database_url:
        cmd += ["--database-url", server.database_url]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "credentials").stat().st_mode) == 0o600
    listed = subprocess.run(
        [str(BIN / "aws"), "--profile", "rolegate", "iam", "list-roles"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert "Roles" in json.loads(listed.stdout)


def test_permissive_mode_and_reset(start_server: Callable[..., Server]) -> None:
    srv = start_server(auth="permissive")
    anyone = srv.client("iam", "AKIAANYONEATALL00000", "whatever")
    anyone.create_role(RoleName="temp", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert (
        srv.client("sts", "AKIAANYONEATALL00000", "x").get_caller_identity()["Account"]
        == "123456789012"
    )
    # A 12-digit access key id acts as the root user of that account, created on first use.
    other = srv.client("sts", "210987654321", "x").get_caller_identity()
    assert other["Arn"] == "arn:aws:iam::210987654321:root"
    # Known keys are still verified.
    with pytest.raises(ClientError) as excinfo:
        srv.client("iam", "AKIAROLEGATETESTROOT", "wrong").list_roles()
    assert excinfo.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert send(srv.endpoint + "/_rolegate/reset", headers=RESET).status == 200
    assert srv.client("iam").list_roles()["Roles"] == []
    assert "--auth permissive" in srv.output()
