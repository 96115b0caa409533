"""Inline policies of roles, and what deleting a role takes with it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from store_helpers import ACCOUNT, make_role

from rolegate.domain.entities import InlinePolicy, Tag
from rolegate.store import Store

DOC_A = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
DOC_B = '{"Version":"2012-10-17","Statement":[]}'


@pytest.fixture
def role_id(store: Store) -> str:
    role = make_role("Owner")
    with store.transaction() as tx:
        tx.roles.create(role)
    return role.role_id


def test_put_get_replace(store: Store, role_id: str) -> None:
    with store.transaction() as tx:
        tx.role_policies.put(role_id, InlinePolicy("S3", DOC_A))
    with store.transaction() as tx:
        assert tx.role_policies.get(role_id, "S3") == InlinePolicy("S3", DOC_A)
        tx.role_policies.put(role_id, InlinePolicy("S3", DOC_B))
    with store.transaction() as tx:
        assert tx.role_policies.get(role_id, "S3") == InlinePolicy("S3", DOC_B)
        assert tx.role_policies.count(role_id) == 1
        assert tx.role_policies.get(role_id, "Other") is None
        assert tx.role_policies.get("AROAOTHER", "S3") is None


def test_names_are_case_insensitive_and_keep_the_first_spelling(store: Store, role_id: str) -> None:
    with store.transaction() as tx:
        tx.role_policies.put(role_id, InlinePolicy("MyPolicy", DOC_A))
        tx.role_policies.put(role_id, InlinePolicy("MYPOLICY", DOC_B))
        assert tx.role_policies.count(role_id) == 1
        assert tx.role_policies.get(role_id, "mypolicy") == InlinePolicy("MyPolicy", DOC_B)
        assert tx.role_policies.list_all(role_id) == [InlinePolicy("MyPolicy", DOC_B)]


def test_list_all_and_count(store: Store, role_id: str) -> None:
    with store.transaction() as tx:
        assert tx.role_policies.count(role_id) == 0
        tx.role_policies.put(role_id, InlinePolicy("b", DOC_A))
        tx.role_policies.put(role_id, InlinePolicy("A", DOC_B))
        tx.role_policies.put(role_id, InlinePolicy("uni", '{"Sid":"\u00e9\u6f22"}'))
    with store.transaction() as tx:
        assert tx.role_policies.list_all(role_id) == [
            InlinePolicy("A", DOC_B),
            InlinePolicy("b", DOC_A),
            InlinePolicy("uni", '{"Sid":"\u00e9\u6f22"}'),
        ]
        assert tx.role_policies.count(role_id) == 3


def test_delete(store: Store, role_id: str) -> None:
    with store.transaction() as tx:
        tx.role_policies.put(role_id, InlinePolicy("Keep", DOC_A))
        tx.role_policies.put(role_id, InlinePolicy("Drop", DOC_A))
    with store.transaction() as tx:
        assert tx.role_policies.delete(role_id, "DROP")
        assert not tx.role_policies.delete(role_id, "Drop")
        assert not tx.role_policies.delete("AROAOTHER", "Keep")
        assert [p.policy_name for p in tx.role_policies.list_all(role_id)] == ["Keep"]


def test_policies_are_per_owner(store: Store, role_id: str) -> None:
    other = make_role("Other")
    with store.transaction() as tx:
        tx.roles.create(other)
        tx.role_policies.put(role_id, InlinePolicy("P", DOC_A))
        tx.role_policies.put(other.role_id, InlinePolicy("P", DOC_B))
    with store.transaction() as tx:
        assert tx.role_policies.get(role_id, "P") == InlinePolicy("P", DOC_A)
        assert tx.role_policies.get(other.role_id, "P") == InlinePolicy("P", DOC_B)


def test_put_for_a_missing_role_fails(store: Store) -> None:
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), store.transaction() as tx:
        tx.role_policies.put("AROANOSUCHROLE", InlinePolicy("P", DOC_A))


def test_deleting_a_role_cascades_to_policies_and_tags(store: Store) -> None:
    doomed = make_role("Doomed", tags=(Tag("a", "b"),))
    kept = make_role("Kept", tags=(Tag("c", "d"),))
    with store.transaction() as tx:
        for role in (doomed, kept):
            tx.roles.create(role)
            tx.role_policies.put(role.role_id, InlinePolicy("P", DOC_A))
    with store.transaction() as tx:
        tx.roles.delete(ACCOUNT, "doomed")
    with store.transaction() as tx:
        conn = tx.connection
        for table in ("role_policies", "role_tags"):
            owners = conn.execute(text(f"SELECT owner_id FROM {table}")).scalars().all()
            assert owners == [kept.role_id], table
        assert tx.role_policies.count(doomed.role_id) == 0
