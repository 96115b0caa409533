"""Fixtures of the store contract suite: every test runs on SQLite and on PostgreSQL.

Creating a PostgreSQL database costs about a second, so most tests share one migrated database
per backend and session, emptied with ``Store.reset()`` before each test; tests about opening and
migrating take ``url``, a brand-new database of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import AesGcmSealer

from rolegate.store import Store

from conftest_db import BACKENDS, fresh_database_url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def sealer() -> AesGcmSealer:
    return AesGcmSealer()


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database for this test alone."""
    with fresh_database_url(backend, tmp_path) as database_url:
        yield database_url


@pytest.fixture
def two_stores(url: str, sealer: AesGcmSealer) -> Iterator[tuple[Store, Store]]:
    """Two stores on one new database: two nodes, or two worker processes, of one deployment."""
    first, second = Store.open(url, sealer=sealer), Store.open(url, sealer=sealer)
    try:
        yield first, second
    finally:
        for store in (second, first):
            asyncio.run(store.close_loop_probe())  # on the loop it ran on, if it has one
            store.close()


@pytest.fixture(scope="session")
def shared_store(
    backend: str, sealer: AesGcmSealer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"store-{backend}")) as shared:
        opened = Store.open(shared, sealer=sealer)
        try:
            yield opened
        finally:
            opened.close()


@pytest.fixture
def store(shared_store: Store) -> Store:
    """The backend's shared store, empty."""
    shared_store.reset()
    return shared_store
