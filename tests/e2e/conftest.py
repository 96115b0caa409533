"""End-to-end fixtures, on each backend (SQLite and PostgreSQL).

- ``node``: the real app in this process (``in_process.InProcessNode``) over a fresh database,
  one per backend for the session; ``iam`` and ``sts`` are its root clients. Most tests use it.
- ``server``: a real ``rolegate serve`` process on the node's database and master key, for what
  needs a process or a socket (the AWS CLI, raw HTTP through uvicorn, logs).
- ``start_node`` / ``start_server``: more nodes / processes on a fresh database, for tests that
  need a clean or differently configured one; ``two_nodes``: two processes on one database.

Tests share the session's node and keep out of each other's way with unique names (``unique``).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from authz_helpers import AuthzServer, authz_server
from console_helpers import axe_script, browser, page  # noqa: F401 (the console's fixtures)
from in_process import InProcessNode

from conftest_db import BACKENDS, fresh_database_url
from harness import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessNode]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"db-{backend}")) as url:
        started = InProcessNode(tmp_path_factory.mktemp(f"data-{backend}"), url)
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="session")
def server(node: InProcessNode) -> Iterator[Server]:
    """A ``rolegate serve`` process on the node's database and data directory (master key)."""
    srv = Server(node.data_dir, node.database_url).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def start_node(backend: str, tmp_path: Path) -> Iterator[Callable[..., InProcessNode]]:
    """More in-process nodes (e.g. permissive mode) on a fresh database of the same backend;
    keywords are ``rolegate serve``'s settings (``auth``, ``env``, ``threads``, ...)."""
    with ExitStack() as stack:

        def start(**kw: object) -> InProcessNode:
            data_dir = tmp_path / f"node-{uuid.uuid4().hex[:8]}"
            url = stack.enter_context(fresh_database_url(backend, data_dir))
            started = InProcessNode(data_dir, url, **kw)  # type: ignore[arg-type]
            stack.callback(started.stop)
            return started

        yield start


@pytest.fixture(scope="session")
def authz(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthzServer]:
    """A server with the authorization listener (``--authz-listen``, ``--authz-routes``),
    shared by the authorization service's tests."""
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"authz-db-{backend}")) as url:
        found = authz_server(tmp_path_factory.mktemp(f"authz-{backend}"), url)
        found.server.start()
        try:
            yield found
        finally:
            found.server.stop()


@pytest.fixture
def start_server(backend: str, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start extra servers (e.g. permissive mode) on a fresh database of the same backend."""
    with ExitStack() as stack:

        def start(**kw: object) -> Server:
            data_dir = tmp_path / f"srv-{uuid.uuid4().hex[:8]}"
            url = stack.enter_context(fresh_database_url(backend, data_dir))
            srv = Server(data_dir, url, **kw)  # type: ignore[arg-type]
            stack.callback(srv.stop)
            return srv.start()

        yield start


@pytest.fixture
def two_nodes(backend: str, tmp_path: Path) -> Iterator[tuple[InProcessNode, InProcessNode]]:
    """Two nodes on one database and one master key, as behind a load balancer: each its own
    runtime (store, caches, key ring), as two processes would have."""
    with fresh_database_url(backend, tmp_path) as url:
        first = InProcessNode(tmp_path / "data", url)
        try:
            second = InProcessNode(tmp_path / "data", url)
            try:
                yield first, second
            finally:
                second.stop()
        finally:
            first.stop()


_counter = itertools.count()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """``unique("app")`` -> a name no other test in this run uses."""
    run = uuid.uuid4().hex[:6]
    return lambda base: f"{base}-{run}-{next(_counter)}"


@pytest.fixture
def iam(node: InProcessNode) -> Any:
    return node.client("iam")


@pytest.fixture
def sts(node: InProcessNode) -> Any:
    return node.client("sts")
