"""Managed-policy listings cost the same in any account: index range scans, no sort step."""

from __future__ import annotations

from sqlalchemy import Select
from store_helpers import ACCOUNT, T0, make_managed_policy, make_role

from rolegate.domain.managed_policy import AWS_ACCOUNT, OwnerKind, PolicyUsage, PolicyVersion
from rolegate.store import Store
from rolegate.store.repos.managed_policies import policy_page_query
from rolegate.store.repos.policy_attachments import entity_page_query
from rolegate.store.schema import roles


def _plan(store: Store, query: Select) -> str:  # type: ignore[type-arg]
    with store.transaction(write=False) as tx:
        conn = tx.connection
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return "\n".join(str(row[-1]) for row in rows)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: force the choice
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}").all())


def _no_sort(plan: str) -> None:
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def _fill(store: Store) -> str:
    with store.transaction() as tx:
        policies = [make_managed_policy(f"p{i:03d}") for i in range(30)]
        policies += [make_managed_policy(f"a{i:03d}", account_id=AWS_ACCOUNT) for i in range(5)]
        for policy in policies:
            tx.managed_policies.create(policy, PolicyVersion(1, "{}", T0))
        for i in range(30):
            role = make_role(f"r{i:03d}")
            tx.roles.create(role)
            tx.policy_attachments.attach(
                ACCOUNT, OwnerKind.ROLE, role.role_id, policies[0].policy_id
            )
    return policies[0].policy_id


def test_policy_pages_walk_the_name_index(store: Store) -> None:
    _fill(store)
    for owner in (ACCOUNT, AWS_ACCOUNT):
        for query in (
            policy_page_query(owner, ACCOUNT, "/", None, after=None, limit=11),
            policy_page_query(owner, ACCOUNT, "/", None, after=("p010", ACCOUNT), limit=11),
            policy_page_query(
                owner, ACCOUNT, "/app/", PolicyUsage.PERMISSIONS, after=None, limit=11
            ),
        ):
            plan = _plan(store, query)
            assert "ux_managed_policies_account_name" in plan, plan
            assert "Hash" not in plan, plan  # usage counts: a key probe per policy
            _no_sort(plan)


def test_entity_pages_walk_an_attachment_index(store: Store) -> None:
    policy_id = _fill(store)
    for after in (None, "AROA0"):
        query = entity_page_query(
            roles, OwnerKind.ROLE, policy_id, ACCOUNT, PolicyUsage.PERMISSIONS, "/", after
        ).limit(11)
        plan = _plan(store, query)
        assert "ix_policy_attachments_policy" in plan or "pk_policy_attachments" in plan, plan
        _no_sort(plan)
