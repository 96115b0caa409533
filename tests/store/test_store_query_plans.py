"""Listing, lookup and pruning cost must not grow with the number of rows: the plans use the
indexes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.sql import ClauseElement
from store_helpers import ACCOUNT, T0, make_audit_event, make_role

from rolegate.store import Store
from rolegate.store.keyset import page_statement
from rolegate.store.repos.audit_events import (
    AuditQuery,
    lookup_query,
    prune_end_query,
    prune_statement,
)
from rolegate.store.repos.inline_policies import name_page_query
from rolegate.store.repos.roles import role_page_query
from rolegate.store.schema import role_policies, roles, users
from rolegate.store.schema_groups import groups


def _plan(store: Store, query: ClauseElement, off: tuple[str, ...] = ("seqscan",)) -> str:
    """SQLite's plan, or PostgreSQL's with the methods ``off`` disabled (``enable_<method>``)."""
    with store.transaction(write=False) as tx:
        conn = tx.connection
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return "\n".join(str(row[-1]) for row in rows)
        for method in off:  # tiny tables: force the choice
            conn.exec_driver_sql(f"SET LOCAL enable_{method} = off")
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}").all())


def _fill(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(50):
            tx.roles.create(make_role(f"role{i:03d}"))


def test_role_pages_are_index_range_scans_without_a_sort(store: Store) -> None:
    _fill(store)
    for query in (
        role_page_query(ACCOUNT, "/", after=None, limit=11),
        role_page_query(ACCOUNT, "/", after="role010", limit=11),
        role_page_query(ACCOUNT, "/app/", after="role010", limit=11),
    ):
        plan = _plan(store, query)
        assert "ux_roles_account_name" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_role_lookup_by_name_uses_the_unique_index(store: Store) -> None:
    _fill(store)
    query = select(roles).where(roles.c.account_id == ACCOUNT, roles.c.name_key == "role007")
    assert "ux_roles_account_name" in _plan(store, query)


def test_policy_name_pages_are_primary_key_range_scans(store: Store) -> None:
    _fill(store)
    plan = _plan(store, name_page_query(role_policies, "AROAX", after="p", limit=11))
    assert "pk_role_policies" in plan or "sqlite_autoindex_role_policies" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_user_and_group_pages_are_index_range_scans_without_a_sort(store: Store) -> None:
    for table in (users, groups):
        for prefix, after in (("/", None), ("/", "n010"), ("/app/", "n010")):
            statement, params = page_statement(table, ACCOUNT, prefix, after=after, limit=11)
            plan = _plan(store, statement.params(params))
            assert f"ux_{table.name}_account_name" in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def _fill_audit_events(store: Store) -> str:
    """200 events a second apart, of two accounts in turn; the backend's name."""
    events = [make_audit_event(n, n, ACCOUNT if n % 2 else "210987654321") for n in range(200)]
    with store.transaction() as tx:
        tx.audit_events.insert(events)
        return tx.connection.dialect.name


# On PostgreSQL, whether an index or a sort of a bitmap scan's rows is cheaper depends on the
# statistics, which a test's 200 rows do not resemble: these check that a plan reading rows in
# order from an index exists, and that SQLite (which keeps no statistics here) chooses it.
_ORDERED = ("seqscan", "bitmapscan", "sort")


def test_audit_lookups_are_index_walks_without_a_sort(store: Store) -> None:
    dialect = _fill_audit_events(store)
    query = AuditQuery(ACCOUNT, T0, T0 + timedelta(hours=1), limit=51)
    for variant in (
        query,
        replace(query, after=(T0 + timedelta(seconds=99), "00000000-0000-4000-8000-000000000099")),
        replace(query, attribute=("EventId", "00000000-0000-4000-8000-000000000007")),
        replace(query, attribute=("EventName", "GetRole")),
    ):
        plan = _plan(store, lookup_query(variant, dialect), off=_ORDERED)
        if dialect == "sqlite":
            assert "ix_audit_events_account" in plan, plan
        else:  # the account's index or the key, walked backward
            assert "Index Scan Backward" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_audit_prune_batches_are_primary_key_ranges(store: Store) -> None:
    _fill_audit_events(store)
    before = T0 + timedelta(seconds=150)
    end = (T0 + timedelta(seconds=49), "00000000-0000-4000-8000-000000000049")
    for statement in (prune_end_query(before, 50), prune_statement(before, end)):
        plan = _plan(store, statement, off=_ORDERED)
        assert "pk_audit_events" in plan or "sqlite_autoindex_audit_events" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
