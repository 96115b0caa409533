"""Listing and lookup cost must not grow with the number of rows: the plans use the indexes."""

from __future__ import annotations

from sqlalchemy import Select, select
from store_helpers import ACCOUNT, make_role

from rolegate.store import Store
from rolegate.store.keyset import page_statement
from rolegate.store.repos.inline_policies import name_page_query
from rolegate.store.repos.roles import role_page_query
from rolegate.store.schema import role_policies, roles, users
from rolegate.store.schema_groups import groups


def _plan(store: Store, query: Select) -> str:  # type: ignore[type-arg]
    with store.transaction(write=False) as tx:
        conn = tx.connection
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return "\n".join(str(row[-1]) for row in rows)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: force the choice
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
