"""``GET /metrics`` (Prometheus), ``GET /readyz`` and ``GET /healthz`` (docs/operations.md): what
each counts or answers, bounded labels, ``--no-metrics``, two worker processes summed, and a
database that is behind the schema or gone answered with 503 on time."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from authz_helpers import AuthzServer, question, signed
from in_process import InProcessNode
from sqlalchemy import text
from sts_helpers import allow, document, trust

from rolegate.server.health import READY_TIMEOUT_S
from rolegate.store.dialects import create_store_engine
from rolegate.store.migrate import head_revision

from conftest_db import fresh_database_url, postgres_server_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def samples(exposition: str) -> dict[str, float]:
    """``name{labels}`` -> value of every sample of a Prometheus text exposition."""
    found = {}
    for line in exposition.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
            found[key] = float(match["value"])
    return found


def scrape(node: InProcessNode) -> dict[str, float]:
    status, headers, body = node.request("GET", "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=")
    return samples(body.decode())


def test_requests_decisions_and_credentials_are_counted_with_bounded_labels(
    start_node: Callable[..., InProcessNode],
) -> None:
    node = start_node()
    iam, sts = node.client("iam"), node.client("sts")
    iam.create_user(UserName="metered")
    iam.put_user_policy(
        UserName="metered", PolicyName="p", PolicyDocument=document(allow("sts:AssumeRole"))
    )
    key = iam.create_access_key(UserName="metered")["AccessKey"]
    role = iam.create_role(
        RoleName="SecretRoleName",
        AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
    )["Role"]
    user_sts = node.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    user_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="metered-session")
    user_iam = node.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(user_iam.exceptions.ClientError):
        user_iam.list_roles()  # not allowed: an implicit deny
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="Missing")
    sts.get_session_token()
    # an Action nobody defined, unsigned: counted under "-", never under its own name
    status, _, _ = node.request(
        "POST",
        "/",
        [("content-type", "application/x-www-form-urlencoded")],
        b"Action=MadeUpActionName&Version=2010-05-08",
    )
    assert status == 403
    node.app.runtime.metrics.set_backlog_source(lambda: 7)

    found = scrape(node)
    _, _, body = node.request("GET", "/metrics")
    assert "MadeUpActionName" not in body.decode() and "SecretRoleName" not in body.decode()
    assert "metered" not in body.decode()
    requests = "rolegate_requests_total"
    assert found[f'{requests}{{operation="CreateRole",service="iam",status="200"}}'] == 1
    assert found[f'{requests}{{operation="GetRole",service="iam",status="404"}}'] == 1
    assert found[f'{requests}{{operation="ListRoles",service="iam",status="403"}}'] == 1
    assert found[f'{requests}{{operation="-",service="iam",status="403"}}'] == 1
    latency = 'rolegate_request_duration_seconds_count{operation="AssumeRole",service="sts"}'
    assert found[latency] == 1
    issued = "rolegate_credentials_issued_total"
    assert found[f'{issued}{{kind="AssumeRole"}}'] == 1
    assert found[f'{issued}{{kind="GetSessionToken"}}'] == 1
    decisions = "rolegate_authorization_decisions_total"
    assert found[f'{decisions}{{effect="ImplicitDeny",source="api"}}'] == 1
    assert found[f'{decisions}{{effect="Allow",source="api"}}'] >= 2  # user's AssumeRole, root
    assert found['rolegate_db_transaction_seconds_count{mode="write"}'] >= 5
    assert found['rolegate_db_transaction_seconds_count{mode="read"}'] >= 1
    assert found["rolegate_db_pool_size"] > 0
    assert found["rolegate_db_pool_checked_out"] >= 0
    assert found["rolegate_audit_backlog"] == 7


def test_no_metrics_turns_the_endpoint_off(start_node: Callable[..., InProcessNode]) -> None:
    node = start_node(metrics="0")
    node.client("sts").get_caller_identity()
    status, _, body = node.request("GET", "/metrics")
    assert status == 403  # an unsigned AWS request, as any other path
    assert b"rolegate_" not in body and b"MissingAuthenticationToken" in body


def _readyz(node: InProcessNode) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    status, headers, body = node.request("GET", "/readyz")
    assert headers["content-type"] == "application/json"
    return status, json.loads(body), time.monotonic() - started


def test_readyz_answers_503_while_the_schema_is_behind_head(
    start_node: Callable[..., InProcessNode],
) -> None:
    node = start_node()
    assert _readyz(node)[:2] == (200, {"status": "ready"})
    assert node.request("GET", "/healthz")[0] == 200
    assert node.database_url is not None
    engine = create_store_engine(node.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'r0013'"))
        status, body, _ = _readyz(node)
        assert status == 503
        assert body == {
            "status": "not ready",
            "reason": f"database schema at revision r0013, this rolegate needs {head_revision()}",
        }
        assert node.request("GET", "/healthz")[0] == 200  # the process itself is fine
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE alembic_version SET version_num = '{head_revision()}'"))
        assert _readyz(node)[0] == 200
    finally:
        engine.dispose()


def test_readyz_answers_503_on_time_when_the_postgresql_database_is_gone(
    backend: str, start_node: Callable[..., InProcessNode]
) -> None:
    if backend != "postgresql":
        pytest.skip("dropping a database is PostgreSQL's case; SQLite's file is covered above")
    node = start_node()
    assert _readyz(node)[0] == 200
    assert node.database_url is not None
    name = node.database_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    status, body, elapsed = _readyz(node)
    assert status == 503
    assert body["reason"].startswith("database unreachable: ")
    assert elapsed < READY_TIMEOUT_S + 1
    assert node.request("GET", "/healthz")[0] == 200


def _get(url: str) -> tuple[int, str]:
    """A GET on a connection of its own (each may reach another worker process)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class TwoProcessServer(Server):
    def environment(self) -> dict[str, str]:
        # As in test_server_processes.py: a worker started under coverage on a loaded machine
        # may miss uvicorn's health check and be replaced.
        env = super().environment()
        env.pop("COVERAGE_PROCESS_CONFIG", None)
        return env


def test_two_worker_processes_are_summed(backend: str, tmp_path: Path) -> None:
    with fresh_database_url(backend, tmp_path) as url:
        srv = TwoProcessServer(tmp_path / "data", url, args=("--workers", "2", "--threads", "1"))
        try:
            _check_two_processes(srv.start(), backend)
        finally:
            srv.stop()


def _check_two_processes(srv: Server, backend: str) -> None:
    for _ in range(12):  # new clients, new connections: both processes answer some
        srv.client("sts").get_caller_identity()
    totals = set()
    for _ in range(4):
        status, body = _get(f"{srv.endpoint}/metrics")
        assert status == 200
        found = samples(body)
        totals.add(
            found[
                'rolegate_requests_total{operation="GetCallerIdentity",service="sts",status="200"}'
            ]
        )
        # each process keeps its own pool: the gauge is their sum (8 on SQLite, 10 on PostgreSQL)
        assert found["rolegate_db_pool_size"] == 2 * (8 if backend == "sqlite" else 10)
    assert totals == {12.0}
    assert _get(f"{srv.endpoint}/readyz") == (200, '{"status":"ready"}\n')
    directories = _metrics_directories(srv)
    assert len(directories) == 1 and next(iter(directories)).is_dir()
    srv.stop()
    assert not any(directory.exists() for directory in directories)  # removed at exit


def _metrics_directories(srv: Server) -> set[Path]:
    """The PROMETHEUS_MULTIPROC_DIR the server gave its worker processes (their environment)."""
    assert srv.process is not None
    pid = srv.process.pid
    found = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        for entry in Path(f"/proc/{child}/environ").read_bytes().split(b"\0"):
            if entry.startswith(b"PROMETHEUS_MULTIPROC_DIR="):
                found.add(Path(entry.split(b"=", 1)[1].decode()))
    return found


def test_the_authorization_services_decisions_are_counted(authz: AuthzServer) -> None:
    name = "rolegate_authorization_decisions_total"
    allowed = f'{name}{{effect="Allow",source="authz_service"}}'
    unauthenticated = f'{name}{{effect="Unauthenticated",source="authz_service"}}'

    def counts() -> tuple[float, float]:
        status, body = _get(f"{authz.server.endpoint}/metrics")
        assert status == 200
        found = samples(body)
        return found.get(allowed, 0.0), found.get(unauthenticated, 0.0)

    before = counts()
    url = "http://widgets.internal/widgets/42"
    assert authz.ask(question(signed(ROOT_KEY_ID, ROOT_SECRET, url)))[1]["decision"] == "Allow"
    refused = authz.ask(question(signed(ROOT_KEY_ID, "not-the-secret", url)))[1]
    assert refused["authenticated"] is False
    after = counts()
    assert (after[0] - before[0], after[1] - before[1]) == (1.0, 1.0)
