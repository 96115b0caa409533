"""ListRoles / ListRolePolicies keyset pagination: order, boundaries, markers, path prefix."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from store_helpers import ACCOUNT, OTHER_ACCOUNT, make_role

from rolegate.domain.entities import InlinePolicy
from rolegate.store import InvalidMarker, Page, Store

# Byte order of the case-folded names: '+' < ',' < '-' < '.' < digits < '=' < '@' < '_' < letters.
NAMES_IN_ORDER = ["a+b", "a,b", "A-b", "a.b", "a0", "a=b", "A@b", "a_b", "ab", "Beta", "beta2", "Z"]


def _all_pages(fetch: Callable[[str | None, int], Page[Any]], max_items: int) -> list[Page[Any]]:
    pages = [fetch(None, max_items)]
    while pages[-1].next_marker is not None:
        pages.append(fetch(pages[-1].next_marker, max_items))
        assert len(pages) < 100
    return pages


@pytest.fixture
def twelve_roles(store: Store) -> Store:
    with store.transaction() as tx:
        for name in reversed(NAMES_IN_ORDER):
            tx.roles.create(make_role(name))
        tx.roles.create(make_role("aaa", account_id=OTHER_ACCOUNT))
    return store


@pytest.mark.parametrize("max_items", [1, 3, 4, 5, 6, 11, 12, 13, 1000])
def test_roles_pages_cover_every_role_once_in_case_insensitive_order(
    twelve_roles: Store, max_items: int
) -> None:
    with twelve_roles.transaction(write=False) as tx:
        pages = _all_pages(lambda m, n: tx.roles.list(ACCOUNT, marker=m, max_items=n), max_items)
    names = [role.role_name for page in pages for role in page.items]
    assert names == NAMES_IN_ORDER
    assert all(len(page.items) == max_items for page in pages[:-1])
    assert 1 <= len(pages[-1].items) <= max_items
    assert pages[-1].next_marker is None
    # Exact multiples end without an empty trailing page.
    assert len(pages) == -(-len(NAMES_IN_ORDER) // max_items)


def test_empty_listing_is_one_empty_page(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.roles.list(ACCOUNT, marker=None, max_items=10) == Page([], None)
        assert tx.role_policies.list_names("AROANONE", marker=None, max_items=10) == Page([], None)


def test_marker_survives_deletion_of_the_last_seen_role(twelve_roles: Store) -> None:
    with twelve_roles.transaction() as tx:
        first = tx.roles.list(ACCOUNT, marker=None, max_items=2)
        assert [r.role_name for r in first.items] == ["a+b", "a,b"]
        tx.roles.delete(ACCOUNT, "a,b")
        tx.roles.create(make_role("a,a"))  # sorts before the marker: not shown again
        second = tx.roles.list(ACCOUNT, marker=first.next_marker, max_items=2)
        assert [r.role_name for r in second.items] == ["A-b", "a.b"]


def test_path_prefix_filters_case_sensitively(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("r1", path="/app/"))
        tx.roles.create(make_role("r2", path="/app/web/"))
        tx.roles.create(make_role("r3", path="/App/"))
        tx.roles.create(make_role("r4", path="/application/"))
        tx.roles.create(make_role("r5", path="/"))
        tx.roles.create(make_role("r6", path="/a%p_/"))

        def names(prefix: str, max_items: int = 100) -> list[str]:
            pages = _all_pages(
                lambda m, n: tx.roles.list(ACCOUNT, path_prefix=prefix, marker=m, max_items=n),
                max_items,
            )
            return [r.role_name for p in pages for r in p.items]

        assert names("/") == ["r1", "r2", "r3", "r4", "r5", "r6"]
        assert names("/app/") == ["r1", "r2"]
        assert names("/app/", max_items=1) == ["r1", "r2"]
        assert names("/app") == ["r1", "r2", "r4"]
        assert names("/App/") == ["r3"]
        assert names("/a%") == ["r6"]  # LIKE wildcards are plain characters
        assert names("/nothing/") == []


@pytest.mark.parametrize(
    "marker",
    [
        "not base64 at all!",
        "",
        base64.urlsafe_b64encode(b"roles:").decode(),
        base64.urlsafe_b64encode(b"role_policies:abc").decode(),  # another listing's marker
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "\u00e9t\u00e9",
    ],
)
def test_invalid_role_marker(store: Store, marker: str) -> None:
    with store.transaction() as tx, pytest.raises(InvalidMarker):
        tx.roles.list(ACCOUNT, marker=marker, max_items=10)


def test_policy_names_page_in_case_insensitive_order(store: Store) -> None:
    role = make_role("Owner")
    names = ["Zeta", "alpha", "Beta", "a_b", "a-b", "gamma"]
    with store.transaction() as tx:
        tx.roles.create(role)
        for name in names:
            tx.role_policies.put(role.role_id, InlinePolicy(name, "{}"))
    expected = ["a-b", "a_b", "alpha", "Beta", "gamma", "Zeta"]
    with store.transaction() as tx:
        for max_items in (1, 2, 3, 5, 6, 7):
            pages = _all_pages(
                lambda m, n: tx.role_policies.list_names(role.role_id, marker=m, max_items=n),
                max_items,
            )
            assert [n for p in pages for n in p.items] == expected
            assert len(pages) == -(-len(expected) // max_items)
        with pytest.raises(InvalidMarker):
            tx.role_policies.list_names(
                role.role_id, marker=base64.urlsafe_b64encode(b"roles:a").decode(), max_items=5
            )


def test_max_items_below_one_is_a_programming_error(store: Store) -> None:
    with store.transaction() as tx, pytest.raises(ValueError):
        tx.roles.list(ACCOUNT, marker=None, max_items=0)
