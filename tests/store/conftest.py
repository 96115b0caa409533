"""Fixtures of the store contract suite: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import AesGcmSealer

from conftest_db import BACKENDS, fresh_database_url
from rolegate.store import Store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database_url(backend, tmp_path) as database_url:
        yield database_url


@pytest.fixture
def sealer() -> AesGcmSealer:
    return AesGcmSealer()


@pytest.fixture
def store(url: str, sealer: AesGcmSealer) -> Iterator[Store]:
    opened = Store.open(url, sealer=sealer)
    try:
        yield opened
    finally:
        opened.close()
