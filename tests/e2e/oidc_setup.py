"""Fixtures for the OpenID Connect tests: the test CA and issuer, and a rolegate node per
backend that trusts the test CA (``ROLEGATE_OIDC_CA_BUNDLE``) and may refresh a JWKS one second
after the last fetch (``ROLEGATE_OIDC_REFRESH_FLOOR``), so rotation is testable quickly:
``oidc_node`` in this process, ``oidc_server`` a process on its database (for the AWS CLI and
the server's log).

Test modules import the fixtures by name (``from oidc_setup import ...``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from in_process import InProcessNode
from oidc_issuer import Issuer, IssuerCa, Tenant

from conftest_db import fresh_database_url
from harness import REGION, Node, Server

REFRESH_FLOOR = 1.0


@dataclass
class OidcServer(Server):
    ca_bundle: Path | None = None
    refresh_floor: float = REFRESH_FLOOR

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.ca_bundle is not None:
            env["ROLEGATE_OIDC_CA_BUNDLE"] = str(self.ca_bundle)
        env["ROLEGATE_OIDC_REFRESH_FLOOR"] = str(self.refresh_floor)
        return env

    def unsigned_sts(self) -> Any:
        """An STS client that signs nothing, as SDKs call AssumeRoleWithWebIdentity."""
        return boto3.client(
            "sts",
            endpoint_url=self.endpoint,
            region_name=REGION,
            config=Config(
                signature_version=UNSIGNED, retries={"max_attempts": 1}, parameter_validation=False
            ),
        )


class OidcNode(InProcessNode):
    def __init__(self, data_dir: Path, database_url: str | None, ca_bundle: Path | None) -> None:
        super().__init__(
            data_dir, database_url, oidc_ca_bundle=ca_bundle, oidc_refresh_floor=REFRESH_FLOOR
        )
        self.ca_bundle = ca_bundle

    def unsigned_sts(self) -> Any:
        """An STS client that signs nothing, as SDKs call AssumeRoleWithWebIdentity."""
        return self.client("sts", config=Config(signature_version=UNSIGNED))


@pytest.fixture(scope="session")
def issuer_ca(tmp_path_factory: pytest.TempPathFactory) -> IssuerCa:
    return IssuerCa.create(tmp_path_factory.mktemp("oidc-ca"))


@pytest.fixture(scope="session")
def issuer(issuer_ca: IssuerCa) -> Iterator[Issuer]:
    started = Issuer(issuer_ca).start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def oidc_node(
    backend: str, issuer_ca: IssuerCa, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OidcNode]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"oidc-db-{backend}")) as url:
        data_dir = tmp_path_factory.mktemp(f"oidc-data-{backend}")
        started = OidcNode(data_dir, url, issuer_ca.bundle)
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="session")
def oidc_server(oidc_node: OidcNode, issuer_ca: IssuerCa) -> Iterator[OidcServer]:
    """A process on the OIDC node's database and data directory."""
    srv = OidcServer(oidc_node.data_dir, oidc_node.database_url, ca_bundle=issuer_ca.bundle)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@dataclass
class Federation:
    """A tenant of the test issuer, its IAM provider, and a role that trusts it."""

    tenant: Tenant
    provider_arn: str
    url: str  # provider URL: the condition-key prefix
    role_arn: str
    role_name: str


def trust_policy(provider_arn: str, url: str, sub: str = "repo:org/app:*", **extra: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": extra.pop("actions", "sts:AssumeRoleWithWebIdentity"),
        "Condition": {
            "StringEquals": {f"{url}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{url}:sub": sub},
        },
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def federate(
    server: Node,
    issuer: Issuer,
    *,
    kind: str = "RSA",
    thumbprints: list[str] | None = None,
    client_ids: tuple[str, ...] = ("sts.amazonaws.com",),
    actions: Any = "sts:AssumeRoleWithWebIdentity",
    sub: str = "repo:org/app:*",
) -> Federation:
    iam = server.client("iam")
    tenant = issuer.tenant(uuid.uuid4().hex[:10], kind)
    url = issuer.provider_url(tenant)
    created = iam.create_open_id_connect_provider(
        Url=f"https://{url}", ClientIDList=list(client_ids), ThumbprintList=thumbprints or []
    )
    arn = created["OpenIDConnectProviderArn"]
    name = f"web-{tenant.name}"
    role = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=trust_policy(arn, url, sub, actions=actions)
    )["Role"]
    return Federation(tenant, arn, url, role["Arn"], name)
