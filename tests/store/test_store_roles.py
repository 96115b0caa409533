"""Roles: CRUD, case-insensitive names, tags, times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, make_role

from rolegate.domain.entities import Tag
from rolegate.store import Conflict, Store


def test_create_then_get_returns_every_field(store: Store) -> None:
    role = replace(
        make_role("Deploy", path="/ci/", tags=(Tag("team", "infra"), Tag("env", ""))),
        description="deploys things",
        max_session_duration=43200,
        permissions_boundary_arn="arn:aws:iam::123456789012:policy/Boundary",
        last_used_date=T0 + timedelta(hours=1),
        last_used_region="eu-west-1",
    )
    with store.transaction() as tx:
        tx.roles.create(role)
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "Deploy") == role
        assert tx.roles.get_by_id(role.role_id) == role


def test_get_is_case_insensitive_and_keeps_the_stored_spelling(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("MyRole"))
    with store.transaction() as tx:
        for spelling in ("MyRole", "myrole", "MYROLE", "mYrOLE"):
            got = tx.roles.get(ACCOUNT, spelling)
            assert got is not None and got.role_name == "MyRole"
        assert tx.roles.get(ACCOUNT, "MyRole2") is None
        assert tx.roles.get(OTHER_ACCOUNT, "MyRole") is None
        assert tx.roles.get_by_id("AROANOSUCHROLE") is None


def test_same_name_in_any_case_is_a_conflict_within_an_account(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("PRODROLE"))
    for clash in ("PRODROLE", "prodrole", "ProdRole"):
        with store.transaction() as tx, pytest.raises(Conflict):
            tx.roles.create(make_role(clash))
    with store.transaction() as tx:
        tx.roles.create(make_role("prodrole", account_id=OTHER_ACCOUNT))  # other account: fine
        assert tx.roles.count(ACCOUNT) == 1
        assert tx.roles.count(OTHER_ACCOUNT) == 1


def test_duplicate_role_id_is_a_conflict(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("One", role_id="AROASAMEID"))
        with pytest.raises(Conflict):
            tx.roles.create(make_role("Two", role_id="AROASAMEID"))
        assert tx.roles.get(ACCOUNT, "Two") is None


def test_conflict_leaves_the_transaction_usable(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("A"))
    with store.transaction() as tx:
        with pytest.raises(Conflict):
            tx.roles.create(make_role("a", tags=(Tag("k", "v"),)))
        tx.roles.create(make_role("B"))
    with store.transaction() as tx:
        assert tx.roles.count(ACCOUNT) == 2
        a = tx.roles.get(ACCOUNT, "A")
        assert a is not None and a.tags == ()


def test_update_changes_mutable_fields_only(store: Store) -> None:
    role = make_role("Svc")
    with store.transaction() as tx:
        tx.roles.create(role)
    changed = replace(
        role,
        description="new",
        max_session_duration=7200,
        assume_role_policy_document='{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}',
        permissions_boundary_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
        last_used_date=T0 + timedelta(days=3),
        last_used_region="us-east-1",
    )
    with store.transaction() as tx:
        tx.roles.update(changed)
    with store.transaction() as tx:
        assert tx.roles.get(ACCOUNT, "svc") == changed
    cleared = replace(changed, description=None, permissions_boundary_arn=None)
    with store.transaction() as tx:
        tx.roles.update(cleared)
        assert tx.roles.get_by_id(role.role_id) == cleared


def test_delete_is_case_insensitive_and_reports_absence(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("Gone"))
        tx.roles.create(make_role("Kept"))
    with store.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "GONE")
        assert not tx.roles.delete(ACCOUNT, "gone")
        assert not tx.roles.delete(OTHER_ACCOUNT, "Kept")
    with store.transaction() as tx:
        assert tx.roles.get(ACCOUNT, "Gone") is None
        assert tx.roles.count(ACCOUNT) == 1
        tx.roles.create(make_role("gone"))  # the name is free again


def test_set_tags_replaces_all_and_keeps_order(store: Store) -> None:
    role = make_role("Tagged", tags=(Tag("a", "1"), Tag("b", "2")))
    with store.transaction() as tx:
        tx.roles.create(role)
    new_tags = (Tag("z", "26"), Tag("A", "x"), Tag("m", ""))
    with store.transaction() as tx:
        tx.roles.set_tags(role.role_id, new_tags)
    with store.transaction() as tx:
        got = tx.roles.get(ACCOUNT, "Tagged")
        assert got is not None and got.tags == new_tags
        tx.roles.set_tags(role.role_id, [])
        got = tx.roles.get(ACCOUNT, "Tagged")
        assert got is not None and got.tags == ()


def test_times_keep_microseconds_and_come_back_in_utc(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    created = datetime(2030, 6, 1, 12, 0, 0, 123456, tzinfo=plus_two)
    role = replace(make_role("Timed"), create_date=created)
    with store.transaction() as tx:
        tx.roles.create(role)
    with store.transaction() as tx:
        got = tx.roles.get(ACCOUNT, "Timed")
        assert got is not None
        assert got.create_date == created
        assert got.create_date.tzinfo == UTC
        assert got.create_date.hour == 10 and got.create_date.microsecond == 123456


def test_naive_datetimes_are_refused(store: Store) -> None:
    role = replace(make_role("Naive"), create_date=datetime(2030, 1, 1))
    with pytest.raises(StatementError, match="naive datetime"), store.transaction() as tx:
        tx.roles.create(role)
    with store.transaction() as tx:
        assert tx.roles.count(ACCOUNT) == 0


def test_unicode_text_round_trips(store: Store) -> None:
    doc = '{"Version":"2012-10-17","Statement":[],"Sid":"\u00e9\u6f22\U0001f600"}'
    role = replace(
        make_role("Uni"), description="caf\u00e9 \u6f22\u5b57", assume_role_policy_document=doc
    )
    with store.transaction() as tx:
        tx.roles.create(role)
    with store.transaction() as tx:
        assert tx.roles.get(ACCOUNT, "uni") == role


def test_listing_without_tags_reads_no_tags(store: Store) -> None:
    role = replace(make_role("Listed", tags=(Tag("a", "1"),)), path="/no-tags/")
    with store.transaction() as tx:
        tx.roles.create(role)
    with store.transaction() as tx:
        full = tx.roles.list(ACCOUNT, path_prefix="/no-tags/", marker=None, max_items=10)
        bare = tx.roles.list(
            ACCOUNT, path_prefix="/no-tags/", marker=None, max_items=10, with_tags=False
        )
    assert [r.tags for r in full.items] == [(Tag("a", "1"),)]
    assert [r.tags for r in bare.items] == [()]
    assert [r.role_id for r in bare.items] == [role.role_id]
