"""The shared database helper: skip or fail when PostgreSQL is missing, clean up after itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import conftest_db


@pytest.fixture
def unreachable_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ROLEGATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:1/test")
    conftest_db.postgres_unreachable_reason.cache_clear()
    yield
    conftest_db.postgres_unreachable_reason.cache_clear()


def test_unreachable_postgres_skips(
    unreachable_postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROLEGATE_TEST_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception), conftest_db.fresh_database_url("postgresql"):
        pass


def test_unreachable_postgres_fails_when_required(
    unreachable_postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLEGATE_TEST_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception), conftest_db.fresh_database_url("postgresql"):
        pass


def _databases() -> set[str]:
    server = conftest_db._libpq_url(conftest_db.postgres_server_url())
    with psycopg.connect(server) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_postgres_database_is_created_and_dropped() -> None:
    conftest_db.skip_unless_postgres()
    with conftest_db.fresh_database_url("postgresql") as url:
        name = url.rsplit("/", 1)[1]
        assert name.startswith("rg_test_")
        assert name in _databases()
        with psycopg.connect(conftest_db._libpq_url(url)) as conn:  # left open on purpose
            conn.execute("SELECT 1")
            with conftest_db.fresh_database_url("postgresql") as other:
                assert other != url
    assert name not in _databases()


def test_sqlite_urls(tmp_path: Path) -> None:
    with conftest_db.fresh_database_url("sqlite", tmp_path) as url:
        assert url.startswith(f"sqlite:///{tmp_path}/")
    with conftest_db.fresh_database_url("sqlite") as url:
        assert url.startswith("sqlite:///") and url.endswith(".db")
    with pytest.raises(ValueError), conftest_db.fresh_database_url("oracle"):
        pass
