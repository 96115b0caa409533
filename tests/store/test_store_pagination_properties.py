"""Property: walking the pages of any set of names yields every name once, in IAM's order."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import ACCOUNT, make_role

from rolegate.domain.entities import InlinePolicy
from rolegate.store import Store

ROLE_NAME_CHARS = string.ascii_letters + string.digits + "+=,.@_-"
names = st.lists(
    st.text(ROLE_NAME_CHARS, min_size=1, max_size=12),
    max_size=15,
    unique_by=str.lower,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role_names=names, max_items=st.integers(1, 7))
def test_role_pages_partition_the_sorted_names(
    shared_store: Store, role_names: list[str], max_items: int
) -> None:
    shared_store.reset()
    with shared_store.transaction() as tx:
        for name in role_names:
            tx.roles.create(make_role(name))
        seen: list[str] = []
        marker = None
        while True:
            page = tx.roles.list(ACCOUNT, marker=marker, max_items=max_items)
            assert len(page.items) <= max_items
            seen += [role.role_name for role in page.items]
            if page.next_marker is None:
                break
            assert len(page.items) == max_items
            marker = page.next_marker
    assert seen == sorted(role_names, key=str.lower)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_names=names, max_items=st.integers(1, 7))
def test_policy_name_pages_partition_the_sorted_names(
    shared_store: Store, policy_names: list[str], max_items: int
) -> None:
    shared_store.reset()
    role = make_role("Owner")
    with shared_store.transaction() as tx:
        tx.roles.create(role)
        for name in policy_names:
            tx.role_policies.put(role.role_id, InlinePolicy(name, "{}"))
        seen: list[str] = []
        marker = None
        while True:
            page = tx.role_policies.list_names(role.role_id, marker=marker, max_items=max_items)
            seen += page.items
            if page.next_marker is None:
                break
            marker = page.next_marker
    assert seen == sorted(policy_names, key=str.lower)
