"""``rolegate agent container``: unmodified boto3 and AWS CLI processes find the task role
through AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE), an EKS
pod identity with its session tags, and every bad request's answer; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from agent_helpers import (
    BOTO3_WHOAMI,
    ECS,
    EKS,
    Agent,
    clean_environment,
    cli_role_arn,
    launcher,
    run_python,
    service_role,
)
from sts_helpers import Account, allow, document, temporary_client

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

AUTH_TOKEN = "workload-token-0123456789abcdef"


@pytest.fixture(scope="module")
def task(
    server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Agent, dict[str, Any], Path]]:
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, ECS)
    folder = tmp_path_factory.mktemp("container")
    token_file = folder / "token"
    token_file.write_text(AUTH_TOKEN)  # as SDKs send it: no line break
    agent = Agent(
        server,
        launcher(home, role["Arn"], ECS),
        ("container", "--role-arn", role["Arn"], "--auth-token-file", str(token_file)),
        folder,
    ).start()
    try:
        yield agent, role, token_file
    finally:
        agent.stop()


def program_environment(agent: Agent, **auth: str) -> dict[str, str]:
    return clean_environment(
        agent.home,
        AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{agent.url}/v1/credentials",
        ROLEGATE_URL=agent.server.endpoint,
        **auth,
    )


def test_boto3_with_token_file(task: tuple[Agent, Any, Path]) -> None:
    agent, role, token_file = task
    env = program_environment(agent, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))
    found = run_python(BOTO3_WHOAMI, env)
    assert found["method"] == "container-role"
    assert f":assumed-role/{role['RoleName']}/" in found["arn"]


def test_aws_cli_with_token(task: tuple[Agent, Any, Path]) -> None:
    agent, role, _ = task
    env = program_environment(agent, AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH_TOKEN)
    assert cli_role_arn(agent.server.endpoint, role["RoleName"], env) == role["Arn"]


def test_credentials_document(task: tuple[Agent, Any, Path]) -> None:
    agent, role, _ = task
    answer = httpx.get(f"{agent.url}/v1/credentials", headers={"Authorization": AUTH_TOKEN})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    creds = answer.json()
    assert set(creds) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}
    assert creds["RoleArn"] == role["Arn"]
    assert creds["Expiration"].endswith("Z")
    sts = temporary_client(
        agent.server,
        {
            "AccessKeyId": creds["AccessKeyId"],
            "SecretAccessKey": creds["SecretAccessKey"],
            "SessionToken": creds["Token"],
        },
        "sts",
    )
    session = sts.get_caller_identity()["Arn"].rsplit("/", 1)[-1]
    assert len(session) == 32  # the task id
    log = agent.output()
    assert creds["SecretAccessKey"] not in log and creds["Token"] not in log
    assert AUTH_TOKEN not in log and agent.who.secret not in log


def test_refusals(task: tuple[Agent, Any, Path]) -> None:
    agent, _, _ = task
    url = f"{agent.url}/v1/credentials"
    assert httpx.get(url).status_code == 401
    wrong = httpx.get(url, headers={"Authorization": AUTH_TOKEN + "x"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "AccessDenied")
    assert (
        httpx.get(
            f"{agent.url}/v2/credentials/abc", headers={"Authorization": AUTH_TOKEN}
        ).status_code
        == 404
    )
    assert httpx.post(url, headers={"Authorization": AUTH_TOKEN}).status_code == 405


def test_rotated_token_file(server: Server, tmp_path: Path) -> None:
    """A new token in the file takes effect at once; the old one no longer does."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, ECS)
    token_file = tmp_path / "token"
    token_file.write_text("first-token")
    agent = Agent(
        server,
        launcher(home, role["Arn"], ECS),
        ("container", "--role-arn", role["Arn"], "--auth-token-file", str(token_file)),
        tmp_path,
    ).start()
    try:
        url = f"{agent.url}/v1/credentials"
        assert httpx.get(url, headers={"Authorization": "first-token"}).status_code == 200
        token_file.write_text("second-token-longer")
        assert httpx.get(url, headers={"Authorization": "first-token"}).status_code == 403
        assert httpx.get(url, headers={"Authorization": "second-token-longer"}).status_code == 200
    finally:
        agent.stop()


def test_pod_identity(server: Server, tmp_path: Path) -> None:
    """--service pods.eks.amazonaws.com: the pod's session tags decide what it may do."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    by_namespace = document(
        allow(
            "iam:GetRole",
            Condition={"StringEquals": {"aws:PrincipalTag/kubernetes-namespace": "shop"}},
        )
    )
    role = service_role(home, EKS, by_namespace)
    token_file = tmp_path / "token"
    token_file.write_text(AUTH_TOKEN)
    pod = ("--namespace", "shop", "--service-account", "cart", "--pod-name", "cart-1")
    agent = Agent(
        server,
        launcher(home, role["Arn"], EKS),
        (
            "container",
            "--role-arn",
            role["Arn"],
            "--auth-token-file",
            str(token_file),
            "--service",
            EKS,
            "--cluster",
            "blue",
            *pod,
            "--pod-uid",
            "3f1c",
        ),
        tmp_path,
    ).start()
    try:
        env = program_environment(agent, AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH_TOKEN)
        assert cli_role_arn(server.endpoint, role["RoleName"], env) == role["Arn"]
        found = run_python(BOTO3_WHOAMI, env)
        assert found["arn"].endswith(f"/{role['RoleName']}/eks-blue-cart-1-3f1c")
    finally:
        agent.stop()


def test_missing_token_file(server: Server, tmp_path: Path) -> None:
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    agent = Agent(
        server,
        launcher(home),
        (
            "container",
            "--role-arn",
            "arn:aws:iam::123456789012:role/x",
            "--auth-token-file",
            str(tmp_path / "absent"),
        ),
        tmp_path,
    ).start(expect_listening=False)
    assert agent.wait() == 2
    assert "--auth-token-file" in agent.output()
