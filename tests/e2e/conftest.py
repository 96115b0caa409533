"""End-to-end fixtures: one real server per backend for the session (SQLite and PostgreSQL).

Tests share a server and keep out of each other's way with unique names (``unique``); tests that
need a clean or differently configured server start their own with ``start_server``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from authz_helpers import AuthzServer, authz_server

from conftest_db import BACKENDS, fresh_database_url
from harness import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"db-{backend}")) as url:
        srv = Server(tmp_path_factory.mktemp(f"data-{backend}"), url).start()
        try:
            yield srv
        finally:
            srv.stop()


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
def two_nodes(backend: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two servers on one database and one master key, as behind a load balancer."""
    with fresh_database_url(backend, tmp_path) as url:
        first = Server(tmp_path / "data", url).start()
        try:
            second = Server(tmp_path / "data", url).start()
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
def iam(server: Server):  # type: ignore[no-untyped-def]
    return server.client("iam")


@pytest.fixture
def sts(server: Server):  # type: ignore[no-untyped-def]
    return server.client("sts")
