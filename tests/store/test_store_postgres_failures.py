"""PostgreSQL connections dropped under the store (a restart, a failover, an idle-kill)."""

from __future__ import annotations

import psycopg
import pytest
from store_helpers import ACCOUNT, make_role

from rolegate.store import Store, StoreUnavailable

import conftest_db


def _kill_other_connections(store: Store) -> int:
    with store.transaction(write=False) as tx:
        database = tx.connection.exec_driver_sql("SELECT current_database()").scalar_one()
    server = conftest_db._libpq_url(conftest_db.postgres_server_url())
    with psycopg.connect(server, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()
    assert killed is not None
    return int(killed[0])


pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def pg_store(store: Store, backend: str) -> Store:
    assert backend == "postgresql"
    return store


def test_pooled_connections_killed_between_requests_are_replaced(pg_store: Store) -> None:
    with pg_store.transaction() as tx:
        tx.roles.create(make_role("BeforeRestart"))
    assert _kill_other_connections(pg_store) >= 1
    with pg_store.transaction() as tx:  # pre-ping notices the dead connection and reconnects
        assert tx.roles.get(ACCOUNT, "BeforeRestart") is not None


def test_connection_killed_inside_a_transaction_is_store_unavailable(pg_store: Store) -> None:
    with pytest.raises(StoreUnavailable), pg_store.transaction() as tx:
        tx.roles.create(make_role("Lost"))
        _kill_other_connections(pg_store)
        tx.roles.create(make_role("AfterKill"))
    with pg_store.transaction() as tx:
        assert tx.roles.count(ACCOUNT) == 0
