"""Groups, their members and their policies: the store contract on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import threading

import pytest
from sqlalchemy.exc import IntegrityError
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, make_managed_policy
from test_store_users import make_user

from rolegate.domain.entities import InlinePolicy
from rolegate.domain.group import Group, group_arn
from rolegate.domain.managed_policy import OwnerKind, PolicyVersion
from rolegate.store import Conflict, InvalidMarker, Store

ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def make_group(name: str, *, account_id: str = ACCOUNT, path: str = "/") -> Group:
    return Group(
        account_id=account_id,
        group_id=f"AGPA{secrets.token_hex(8).upper()}",
        group_name=name,
        path=path,
        arn=group_arn(account_id, path, name),
        create_date=T0,
    )


def test_create_get_count_and_names_without_regard_to_case(store: Store) -> None:
    group = make_group("Admins", path="/ops/")
    with store.transaction() as tx:
        tx.groups.create(group)
        with pytest.raises(Conflict):
            tx.groups.create(make_group("ADMINS"))
        tx.groups.create(make_group("admins", account_id=OTHER_ACCOUNT))
    with store.transaction(write=False) as tx:
        assert tx.groups.get(ACCOUNT, "aDmInS") == group
        assert tx.groups.get(ACCOUNT, "nope") is None
        assert tx.groups.count(ACCOUNT) == 1
        assert tx.groups.count(OTHER_ACCOUNT) == 1


def test_list_orders_by_folded_name_filters_by_path_and_pages(store: Store) -> None:
    names = [("b", "/x/"), ("A", "/x/"), ("c", "/"), ("D", "/x/y/")]
    with store.transaction() as tx:
        for name, path in names:
            tx.groups.create(make_group(name, path=path))
    with store.transaction(write=False) as tx:
        everything = tx.groups.list(ACCOUNT, marker=None, max_items=10)
        assert [g.group_name for g in everything.items] == ["A", "b", "c", "D"]
        assert everything.next_marker is None
        seen, marker = [], None
        while True:  # pages of one under /x/
            page = tx.groups.list(ACCOUNT, path_prefix="/x/", marker=marker, max_items=1)
            seen += [g.group_name for g in page.items]
            marker = page.next_marker
            if marker is None:
                break
        assert seen == ["A", "b", "D"]
        exact = tx.groups.list(ACCOUNT, path_prefix="/x/", marker=None, max_items=3)
        assert len(exact.items) == 3 and exact.next_marker is None  # an exact multiple
        with pytest.raises(InvalidMarker):
            tx.groups.list(ACCOUNT, marker="bm90LWEtbWFya2Vy", max_items=1)


def test_rename_changes_name_path_arn_and_refuses_a_taken_name(store: Store) -> None:
    group, other = make_group("dev"), make_group("ops")
    with store.transaction() as tx:
        tx.groups.create(group)
        tx.groups.create(other)
        new_arn = group_arn(ACCOUNT, "/eng/", "Developers")
        tx.groups.rename(group, new_name="Developers", new_path="/eng/", new_arn=new_arn)
        with pytest.raises(Conflict):
            tx.groups.rename(other, new_name="DEVELOPERS", new_path="/", new_arn="x")
        tx.groups.rename(
            other, new_name="OPS", new_path="/", new_arn=group_arn(ACCOUNT, "/", "OPS")
        )
    with store.transaction(write=False) as tx:
        renamed = tx.groups.get(ACCOUNT, "developers")
        assert renamed is not None and renamed.group_id == group.group_id
        assert (renamed.group_name, renamed.path, renamed.arn) == ("Developers", "/eng/", new_arn)
        assert tx.groups.get(ACCOUNT, "dev") is None
        cased = tx.groups.get(ACCOUNT, "ops")
        assert cased is not None and cased.group_name == "OPS"


def test_membership_pages_both_ways_and_counts(store: Store) -> None:
    group, second = make_group("g1"), make_group("G2")
    members = [make_user(n) for n in ("carol", "Alice", "bob")]
    with store.transaction() as tx:
        tx.groups.create(group)
        tx.groups.create(second)
        for user in members:
            tx.users.create(user)
            assert tx.groups.add_member(group.group_id, user.user_id)
        assert not tx.groups.add_member(group.group_id, members[0].user_id)  # twice: no change
        tx.groups.add_member(second.group_id, members[0].user_id)
    with store.transaction(write=False) as tx:
        assert tx.groups.count_members(group.group_id) == 3
        assert tx.groups.count_for_user(members[0].user_id) == 2
        first = tx.groups.members(group.group_id, marker=None, max_items=2)
        assert [u.user_name for u in first.items] == ["Alice", "bob"]
        assert first.next_marker is not None
        rest = tx.groups.members(group.group_id, marker=first.next_marker, max_items=2)
        assert [u.user_name for u in rest.items] == ["carol"] and rest.next_marker is None
        exact = tx.groups.members(group.group_id, marker=None, max_items=3)
        assert len(exact.items) == 3 and exact.next_marker is None
        mine = tx.groups.groups_of_user(members[0].user_id, marker=None, max_items=1)
        assert [g.group_name for g in mine.items] == ["g1"] and mine.next_marker is not None
        more = tx.groups.groups_of_user(members[0].user_id, marker=mine.next_marker, max_items=1)
        assert [g.group_name for g in more.items] == ["G2"] and more.next_marker is None
        with pytest.raises(InvalidMarker):  # a GetGroup marker is refused by ListGroupsForUser
            tx.groups.groups_of_user(members[0].user_id, marker=first.next_marker, max_items=1)
    with store.transaction() as tx:
        assert tx.groups.remove_member(group.group_id, members[0].user_id)
        assert not tx.groups.remove_member(group.group_id, members[0].user_id)
        assert tx.groups.count_members(group.group_id) == 2


@pytest.mark.parametrize("deleted", ["user", "group"])
def test_a_member_user_or_a_group_with_members_cannot_be_deleted(
    store: Store, deleted: str
) -> None:
    """The services refuse first (DeleteConflict); the foreign keys hold even if they did not."""
    group, user = make_group("team"), make_user("member")
    with store.transaction() as tx:
        tx.groups.create(group)
        tx.users.create(user)
        tx.groups.add_member(group.group_id, user.user_id)
    with pytest.raises(IntegrityError), store.transaction() as tx:
        if deleted == "user":
            tx.users.delete(user.user_id)
        else:
            tx.groups.delete(group.group_id)
    with store.transaction(write=False) as tx:
        assert tx.groups.count_members(group.group_id) == 1


def test_delete_cascades_to_inline_policies(store: Store) -> None:
    group = make_group("temp")
    with store.transaction() as tx:
        tx.groups.create(group)
        tx.group_policies.put(group.group_id, InlinePolicy("p", ALLOW_ALL))
        tx.groups.delete(group.group_id)
    with store.transaction(write=False) as tx:
        assert tx.groups.get(ACCOUNT, "temp") is None
        assert tx.group_policies.count(group.group_id) == 0


def test_policies_of_a_users_groups_inline_and_attached(store: Store) -> None:
    user, loner = make_user("dev"), make_user("loner")
    b_group, a_group, not_mine = make_group("b"), make_group("a"), make_group("c")
    managed = make_managed_policy("Managed")
    with store.transaction() as tx:
        tx.users.create(user)
        tx.users.create(loner)
        for g in (b_group, a_group, not_mine):
            tx.groups.create(g)
        tx.managed_policies.create(managed, PolicyVersion(1, ALLOW_ALL, T0))
        tx.groups.add_member(b_group.group_id, user.user_id)
        tx.groups.add_member(a_group.group_id, user.user_id)
        tx.group_policies.put(b_group.group_id, InlinePolicy("inline-b", '{"b":1}'))
        tx.group_policies.put(a_group.group_id, InlinePolicy("inline-a", '{"a":1}'))
        tx.group_policies.put(not_mine.group_id, InlinePolicy("other", '{"c":1}'))
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.GROUP, b_group.group_id, managed.policy_id)
    with store.transaction(write=False) as tx:
        assert tx.identity_policies.of_user(user.user_id, user.arn) == [
            (f"{a_group.arn}/inline-a", '{"a":1}'),
            (f"{b_group.arn}/inline-b", '{"b":1}'),
            (managed.arn, ALLOW_ALL),
        ]
        assert tx.identity_policies.of_user(loner.user_id, loner.arn) == []
        # ListEntitiesForPolicy names the group (groups first, then roles and users).
        entities = tx.policy_attachments.entities(
            managed.policy_id, ACCOUNT, marker=None, max_items=10
        )
        assert [(e.kind, e.name, e.entity_id) for e in entities.items] == [
            (OwnerKind.GROUP, "b", b_group.group_id)
        ]


def test_two_writers_creating_one_name_exactly_one_wins(store: Store) -> None:
    results: list[str] = []
    barrier = threading.Barrier(2)

    def create(name: str) -> None:
        barrier.wait()
        try:
            with store.transaction() as tx:
                tx.groups.create(make_group(name))
            results.append("created")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=create, args=(n,)) for n in ("Race", "RACE")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "created"]
    with store.transaction(write=False) as tx:
        assert tx.groups.count(ACCOUNT) == 1


def test_a_rename_racing_another_to_the_same_name_is_a_conflict(store: Store) -> None:
    """The second rename's check runs before the first commits (PostgreSQL); the unique index
    then refuses it, and that is a Conflict too, not a database error."""
    a, b = make_group("a"), make_group("b")
    with store.transaction() as tx:
        tx.groups.create(a)
        tx.groups.create(b)
    outcome: list[str] = []

    def second() -> None:
        try:
            with store.transaction() as tx:
                tx.groups.rename(b, new_name="TARGET", new_path="/", new_arn="arn-b")
            outcome.append("renamed")
        except Conflict:
            outcome.append("conflict")

    with store.transaction() as tx:
        tx.groups.rename(a, new_name="target", new_path="/", new_arn="arn-a")
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(1.0)  # it waits: for the write lock (SQLite) or the index entry (PostgreSQL)
        assert racer.is_alive()
    racer.join(30)
    assert outcome == ["conflict"]
    with store.transaction(write=False) as tx:
        assert [g.group_name for g in tx.groups.list(ACCOUNT, marker=None, max_items=5).items] == [
            "b",
            "target",
        ]
