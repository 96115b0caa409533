"""Database URLs for tests, shared by the store contract suite and the end-to-end tests.

    @pytest.fixture(params=BACKENDS)
    def backend(request): return request.param

    with fresh_database_url(backend, tmp_path) as url:   # a new, empty database; dropped after
        store = Store.open(url, sealer=...)

PostgreSQL comes from ``ROLEGATE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``); each use creates ``rg_test_<random>`` on that
server and drops it afterwards. If the server is unreachable the PostgreSQL cases are skipped,
unless ``ROLEGATE_TEST_REQUIRE_POSTGRES=1``, which makes them fail instead.
"""

from __future__ import annotations

import functools
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def postgres_server_url() -> str:
    return os.environ.get("ROLEGATE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def postgres_required() -> bool:
    return os.environ.get("ROLEGATE_TEST_REQUIRE_POSTGRES") == "1"


@functools.cache
def postgres_unreachable_reason() -> str | None:
    """None if the test server answers, else why not (checked once per process)."""
    try:
        with psycopg.connect(_libpq_url(postgres_server_url()), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {postgres_server_url()} unreachable: {exc}"
    return None


def skip_unless_postgres() -> None:
    """Skip the calling test if PostgreSQL is down (fail instead when it is required)."""
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if postgres_required():
        pytest.fail(f"{reason} (ROLEGATE_TEST_REQUIRE_POSTGRES=1)")
    pytest.skip(reason)


@contextmanager
def fresh_database_url(backend: str, directory: Path | None = None) -> Iterator[str]:
    """A URL naming a new, empty database of ``backend`` ("sqlite" | "postgresql")."""
    if backend == "sqlite":
        with _sqlite_file(directory) as path:
            yield f"sqlite:///{path}"
    elif backend == "postgresql":
        with _postgres_database() as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


fresh_database = fresh_database_url  # the name used in the store brief


def backend_urls() -> list[str]:
    """The backend names, for code that parametrizes without pytest.param marks."""
    return ["sqlite", "postgresql"]


@contextmanager
def _sqlite_file(directory: Path | None) -> Iterator[Path]:
    if directory is not None:
        yield directory / f"rg_test_{secrets.token_hex(4)}.db"
        return
    with tempfile.TemporaryDirectory(prefix="rg_test_") as tmp:
        yield Path(tmp) / "rolegate.db"


@contextmanager
def _postgres_database() -> Iterator[str]:
    skip_unless_postgres()
    server = postgres_server_url()
    name = f"rg_test_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq_url(server), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_url(server), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _libpq_url(url: str) -> str:
    """libpq does not know SQLAlchemy's ``postgresql+psycopg://`` spelling."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
