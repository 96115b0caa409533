"""Instance profiles and service-linked role deletion tasks: the store contract on both backends."""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, make_role

from rolegate.domain.entities import Tag
from rolegate.domain.instance_profile import DeletionTask, InstanceProfile, RoleUsage
from rolegate.store import Conflict, InvalidMarker, Store
from rolegate.store.repos.instance_profiles import profile_page_query


def make_profile(name: str, *, account_id: str = ACCOUNT, path: str = "/") -> InstanceProfile:
    return InstanceProfile(
        account_id=account_id,
        instance_profile_id=f"AIPA{secrets.token_hex(8).upper()}",
        instance_profile_name=name,
        path=path,
        arn=f"arn:aws:iam::{account_id}:instance-profile{path}{name}",
        create_date=T0,
    )


def test_create_get_and_names_without_regard_to_case(store: Store) -> None:
    profile = replace(make_profile("Web", path="/fleet/"), tags=(Tag("b", "2"), Tag("a", "1")))
    with store.transaction() as tx:
        tx.instance_profiles.create(profile)
        with pytest.raises(Conflict):
            tx.instance_profiles.create(make_profile("WEB"))
        tx.instance_profiles.create(make_profile("web", account_id=OTHER_ACCOUNT))
    with store.transaction(write=False) as tx:
        assert tx.instance_profiles.get(ACCOUNT, "wEb") == profile  # tags in the given order
        assert tx.instance_profiles.get(ACCOUNT, "nope") is None
        assert tx.instance_profiles.count(ACCOUNT) == 1


def test_one_role_per_profile_and_listing_for_a_role(store: Store) -> None:
    role, other = make_role("App", path="/app/"), make_role("Other")
    a, b, c = make_profile("b-second"), make_profile("A-first"), make_profile("c-third")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.roles.create(other)
        for profile in (a, b, c):
            tx.instance_profiles.create(profile)
        tx.instance_profiles.add_role(a.instance_profile_id, role.role_id)
        tx.instance_profiles.add_role(b.instance_profile_id, role.role_id)
        with pytest.raises(Conflict):
            tx.instance_profiles.add_role(a.instance_profile_id, other.role_id)
    with store.transaction(write=False) as tx:
        held = tx.instance_profiles.get(ACCOUNT, "b-second")
        assert held is not None and [r.role_id for r in held.roles] == [role.role_id]
        assert held.roles[0].path == "/app/"
        assert tx.instance_profiles.count_for_role(role.role_id) == 2
        first = tx.instance_profiles.list_for_role(role.role_id, marker=None, max_items=1)
        assert [p.instance_profile_name for p in first.items] == ["A-first"]
        assert first.next_marker is not None
        rest = tx.instance_profiles.list_for_role(
            role.role_id, marker=first.next_marker, max_items=1
        )
        assert [p.instance_profile_name for p in rest.items] == ["b-second"]
        assert rest.next_marker is None
        listing = tx.instance_profiles.list(ACCOUNT, marker=None, max_items=1)
        assert listing.next_marker is not None
        with pytest.raises(InvalidMarker):  # a ListInstanceProfiles marker is refused here
            tx.instance_profiles.list_for_role(
                role.role_id, marker=listing.next_marker, max_items=1
            )
    with store.transaction() as tx:
        assert tx.instance_profiles.remove_role(a.instance_profile_id, role.role_id)
        assert not tx.instance_profiles.remove_role(a.instance_profile_id, role.role_id)
        assert tx.instance_profiles.count_for_role(role.role_id) == 1


def test_a_role_in_a_profile_cannot_be_deleted_underneath_it(store: Store) -> None:
    role, profile = make_role("Held"), make_profile("holder")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.instance_profiles.create(profile)
        tx.instance_profiles.add_role(profile.instance_profile_id, role.role_id)
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.roles.delete(ACCOUNT, "Held")
    with store.transaction() as tx:
        # Deleting the profile takes its membership and tags with it; then the role can go.
        tx.instance_profiles.set_tags(profile.instance_profile_id, [Tag("k", "v")])
        tx.instance_profiles.delete(profile.instance_profile_id)
        assert tx.roles.delete(ACCOUNT, "Held")


def test_list_by_path_prefix_in_pages(store: Store) -> None:
    names = [f"p{i:02d}" for i in range(7)]
    with store.transaction() as tx:
        for i, name in enumerate(names):
            path = "/a/" if i % 2 else "/a/b/"
            tx.instance_profiles.create(
                replace(make_profile(name, path=path), tags=(Tag("k", "v"),))
            )
        tx.instance_profiles.create(make_profile("zz", path="/other/"))
    with store.transaction(write=False) as tx:
        for size in (1, 2, 7, 8):
            seen, marker = [], None
            while True:
                page = tx.instance_profiles.list(
                    ACCOUNT, path_prefix="/a/", marker=marker, max_items=size
                )
                seen += [p.instance_profile_name for p in page.items]
                assert all(p.tags == () for p in page.items)  # listings carry no tags
                if page.next_marker is None:
                    break
                marker = page.next_marker
            assert seen == names
        deeper = tx.instance_profiles.list(ACCOUNT, path_prefix="/a/b/", marker=None, max_items=100)
        assert [p.instance_profile_name for p in deeper.items] == names[::2]


def test_concurrent_adds_to_one_profile_exactly_one_wins(store: Store) -> None:
    profile = make_profile("race")
    roles = [make_role(f"r{i}") for i in range(2)]
    with store.transaction() as tx:
        tx.instance_profiles.create(profile)
        for role in roles:
            tx.roles.create(role)
    barrier = threading.Barrier(len(roles))
    outcomes: list[BaseException | None] = [None] * len(roles)

    def add(i: int) -> None:
        barrier.wait()
        try:
            with store.transaction() as tx:
                tx.instance_profiles.add_role(profile.instance_profile_id, roles[i].role_id)
        except BaseException as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=add, args=(i,)) for i in range(len(roles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    with store.transaction(write=False) as tx:
        held = tx.instance_profiles.get(ACCOUNT, "race")
        assert held is not None and len(held.roles) == 1


def test_deletion_tasks_round_trip_per_account(store: Store) -> None:
    failed = DeletionTask(
        deletion_task_id="task/aws-service-role/x.amazonaws.com/AWSServiceRoleForX/1",
        account_id=ACCOUNT,
        role_id="AROAX",
        status="FAILED",
        create_date=T0,
        reason="in use",
        role_usage=(RoleUsage("us-east-1", ("arn:aws:x:us-east-1:1:thing/a",)),),
    )
    done = DeletionTask(
        "task/aws-service-role/x.amazonaws.com/AWSServiceRoleForX/2",
        ACCOUNT,
        "AROAX",
        "SUCCEEDED",
        T0,
    )
    with store.transaction() as tx:
        tx.slr_deletion_tasks.create(failed)
        tx.slr_deletion_tasks.create(done)
    with store.transaction(write=False) as tx:
        assert tx.slr_deletion_tasks.get(ACCOUNT, failed.deletion_task_id) == failed
        assert tx.slr_deletion_tasks.get(ACCOUNT, done.deletion_task_id) == done
        assert tx.slr_deletion_tasks.get(OTHER_ACCOUNT, done.deletion_task_id) is None


def test_profiles_of_many_roles_at_once(store: Store) -> None:
    role, other, idle = make_role("A"), make_role("B"), make_role("C")
    profiles = [replace(make_profile(f"p{i}"), tags=(Tag("n", str(i)),)) for i in range(3)]
    with store.transaction() as tx:
        for r in (role, other, idle):
            tx.roles.create(r)
        for p in profiles:
            tx.instance_profiles.create(p)
        tx.instance_profiles.add_role(profiles[2].instance_profile_id, role.role_id)
        tx.instance_profiles.add_role(profiles[0].instance_profile_id, role.role_id)
        tx.instance_profiles.add_role(profiles[1].instance_profile_id, other.role_id)
    with store.transaction(write=False) as tx:
        found = tx.instance_profiles.of_roles([role.role_id, other.role_id, idle.role_id])
        assert set(found) == {role.role_id, other.role_id}
        assert [p.instance_profile_name for p in found[role.role_id]] == ["p0", "p2"]
        assert found[role.role_id][0].tags == (Tag("n", "0"),)
        assert found[other.role_id][0].roles[0].role_name == "B"
        assert tx.instance_profiles.of_roles([]) == {}


def test_profile_pages_are_index_range_scans_without_a_sort(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(50):
            tx.instance_profiles.create(make_profile(f"p{i:03d}"))
    for query in (
        profile_page_query(ACCOUNT, "/", after=None, limit=11),
        profile_page_query(ACCOUNT, "/fleet/", after="p010", limit=11),
    ):
        with store.transaction(write=False) as tx:
            conn = tx.connection
            sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            if conn.dialect.name == "sqlite":
                plan = "\n".join(
                    str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                )
            else:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        assert "ux_instance_profiles_account_name" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("delete_first", [True, False])
def test_role_lock_orders_delete_role_and_add_role(store: Store, delete_first: bool) -> None:
    """DeleteRole's and AddRoleToInstanceProfile's steps, racing with the role locked: the
    loser sees the winner's result instead of failing on a foreign key."""
    role, profile = make_role("Contested"), make_profile("contested")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.instance_profiles.create(profile)
    first_holds_lock = threading.Event()
    outcomes: dict[str, str] = {}

    def delete_role() -> None:
        if not delete_first:
            first_holds_lock.wait(10)
        with store.transaction() as tx:
            tx.instance_profiles.lock_role(role.role_id)
            if delete_first:
                first_holds_lock.set()
                threading.Event().wait(0.2)  # the adder now waits on the lock
            if tx.instance_profiles.count_for_role(role.role_id):
                outcomes["delete"] = "DeleteConflict"
                return
            tx.roles.delete(ACCOUNT, role.role_name)
            outcomes["delete"] = "deleted"

    def add_role() -> None:
        if delete_first:
            first_holds_lock.wait(10)
        with store.transaction() as tx:
            locked = tx.instance_profiles.lock_role(role.role_id)
            if not delete_first:
                first_holds_lock.set()
                threading.Event().wait(0.2)  # the deleter now waits on the lock
            if not locked:
                outcomes["add"] = "NoSuchEntity"
                return
            tx.instance_profiles.add_role(profile.instance_profile_id, role.role_id)
            outcomes["add"] = "added"

    threads = [threading.Thread(target=delete_role), threading.Thread(target=add_role)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    expected = (
        {"delete": "deleted", "add": "NoSuchEntity"}
        if delete_first
        else {"delete": "DeleteConflict", "add": "added"}
    )
    assert outcomes == expected


@pytest.mark.parametrize("delete_first", [True, False])
def test_profile_lock_orders_delete_profile_and_add_role(store: Store, delete_first: bool) -> None:
    """DeleteInstanceProfile's and AddRoleToInstanceProfile's steps, both locking the profile:
    the profile is deleted and the add finds none, or the role is in it and the delete refused."""
    role, profile = make_role("Member"), make_profile("doomed")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.instance_profiles.create(profile)
    first_holds_lock = threading.Event()
    outcomes: dict[str, str] = {}

    def delete_profile() -> None:
        if not delete_first:
            first_holds_lock.wait(10)
        with store.transaction() as tx:
            held = tx.instance_profiles.get(ACCOUNT, "doomed", for_update=True)
            if delete_first:
                first_holds_lock.set()
                threading.Event().wait(0.2)
            if held is None:
                outcomes["delete"] = "NoSuchEntity"
            elif held.roles:
                outcomes["delete"] = "DeleteConflict"
            else:
                tx.instance_profiles.delete(held.instance_profile_id)
                outcomes["delete"] = "deleted"

    def add_role() -> None:
        if delete_first:
            first_holds_lock.wait(10)
        with store.transaction() as tx:
            held = tx.instance_profiles.get(ACCOUNT, "doomed", for_update=True)
            if not delete_first:
                first_holds_lock.set()
                threading.Event().wait(0.2)
            if held is None:
                outcomes["add"] = "NoSuchEntity"
                return
            tx.instance_profiles.add_role(held.instance_profile_id, role.role_id)
            outcomes["add"] = "added"

    threads = [threading.Thread(target=delete_profile), threading.Thread(target=add_role)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    expected = (
        {"delete": "deleted", "add": "NoSuchEntity"}
        if delete_first
        else {"delete": "DeleteConflict", "add": "added"}
    )
    assert outcomes == expected
