"""Request threads (``--threads``): a few threads run every request, and the operations that
may wait on another server (AssumeRoleWithWebIdentity fetching an issuer's keys) run on threads
of their own, so a slow issuer never holds the threads every other request needs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from oidc_issuer import Issuer, IssuerCa
from oidc_setup import OidcServer, federate, issuer, issuer_ca  # noqa: F401 (fixtures)

from conftest_db import fresh_database_url
from harness import REGION, ROOT_KEY_ID, ROOT_SECRET


@dataclass
class OneThreadServer(OidcServer):
    def environment(self) -> dict[str, str]:
        return {**super().environment(), "ROLEGATE_THREADS": "1"}


@pytest.fixture(scope="module")
def one_thread_server(
    backend: str,
    issuer_ca: IssuerCa,  # noqa: F811 (fixture)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[OneThreadServer]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"threads-db-{backend}")) as url:
        srv = OneThreadServer(
            tmp_path_factory.mktemp(f"threads-{backend}"), url, ca_bundle=issuer_ca.bundle
        )
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()


def impatient_sts(server: OneThreadServer) -> Any:
    """Gives up after 3 s: sooner than rolegate gives up on a silent issuer (5 s), so a request
    stuck behind the web-identity call fails here instead of being answered late."""
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id=ROOT_KEY_ID,
        aws_secret_access_key=ROOT_SECRET,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=3, connect_timeout=3),
    )


def test_other_requests_are_answered_while_an_issuer_is_slow(
    one_thread_server: OneThreadServer,
    issuer: Issuer,  # noqa: F811 (fixture)
) -> None:
    federation = federate(one_thread_server, issuer)
    token = issuer.token(federation.tenant)
    federation.tenant.gate = threading.Event()
    outcome: dict[str, Any] = {}

    def assume() -> None:
        try:
            outcome["answer"] = one_thread_server.unsigned_sts().assume_role_with_web_identity(
                RoleArn=federation.role_arn, RoleSessionName="slow-issuer", WebIdentityToken=token
            )
        except Exception as error:  # reported by the assertions below
            outcome["error"] = error

    waiting = threading.Thread(target=assume)
    waiting.start()
    try:
        assert federation.tenant.arrived.wait(timeout=30), "rolegate never asked the issuer"
        # The server's only request thread is free: the web-identity call waits elsewhere.
        identity = impatient_sts(one_thread_server).get_caller_identity()
        assert identity["Arn"] == f"arn:aws:iam::{identity['Account']}:root"
        assert waiting.is_alive(), "the web-identity call should still be waiting on the issuer"
    finally:
        federation.tenant.gate.set()
        waiting.join(timeout=60)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["answer"]["AssumedRoleUser"]["Arn"].endswith("/slow-issuer")
