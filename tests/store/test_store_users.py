"""Users: CRUD, case-insensitive names, rename, tags, inline policies; access keys' last use."""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, AesGcmSealer, make_role

from rolegate.domain.entities import AccessKey, InlinePolicy, Tag, User
from rolegate.store import Conflict, InvalidMarker, Store
from rolegate.store.migrate import alembic_config
from rolegate.store.repos.access_keys import SECRETS_PURPOSE

PATHS = ["/", "/a/", "/a/b/", "/ab/", "/A/"]
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def make_user(
    name: str, *, account_id: str = ACCOUNT, path: str = "/", tags: tuple[Tag, ...] = ()
) -> User:
    return User(
        account_id=account_id,
        user_id=f"AIDA{secrets.token_hex(8).upper()}",
        user_name=name,
        path=path,
        arn=f"arn:aws:iam::{account_id}:user{path}{name}",
        create_date=T0,
        tags=tags,
    )


def make_key(key_id: str, user: str | None, *, age: int = 0) -> AccessKey:
    return AccessKey(
        access_key_id=key_id,
        secret_access_key=f"secret-{key_id}",
        account_id=ACCOUNT,
        user_name=user,
        status="Active",
        create_date=T0 + timedelta(seconds=age),
    )


def test_create_then_get_returns_every_field(store: Store) -> None:
    user = replace(
        make_user("Alice", path="/eng/", tags=(Tag("team", "x"), Tag("Env", ""))),
        permissions_boundary_arn=f"arn:aws:iam::{ACCOUNT}:policy/Boundary",
    )
    with store.transaction() as tx:
        tx.users.create(user)
    with store.transaction(write=False) as tx:
        assert tx.users.get(ACCOUNT, "alice") == user
        assert tx.users.get_by_id(user.user_id) == user
        assert tx.users.get(OTHER_ACCOUNT, "Alice") is None
        assert tx.users.get_by_id("AIDANOSUCH") is None


def test_names_are_unique_per_account_without_regard_to_case(store: Store) -> None:
    with store.transaction() as tx:
        tx.users.create(make_user("Bob"))
    with store.transaction() as tx, pytest.raises(Conflict):
        tx.users.create(make_user("BOB"))
    with store.transaction() as tx:
        tx.users.create(make_user("bob", account_id=OTHER_ACCOUNT))
        assert tx.users.count(ACCOUNT) == 1 and tx.users.count(OTHER_ACCOUNT) == 1


def test_list_orders_by_folded_name_filters_by_path_and_pages(store: Store) -> None:
    with store.transaction() as tx:
        for name, path in [("c", "/"), ("B", "/eng/"), ("a", "/eng/x/"), ("D", "/ops/")]:
            tx.users.create(make_user(name, path=path, tags=(Tag("k", "v"),)))
    with store.transaction(write=False) as tx:
        everyone = tx.users.list(ACCOUNT, marker=None, max_items=100)
        assert [u.user_name for u in everyone.items] == ["a", "B", "c", "D"]
        assert everyone.next_marker is None
        assert all(u.tags == () for u in everyone.items)  # ListUsers shows no tags
        eng = tx.users.list(ACCOUNT, path_prefix="/eng/", marker=None, max_items=100)
        assert [u.user_name for u in eng.items] == ["a", "B"]
        first = tx.users.list(ACCOUNT, marker=None, max_items=3)
        assert [u.user_name for u in first.items] == ["a", "B", "c"]
        assert first.next_marker is not None
        rest = tx.users.list(ACCOUNT, marker=first.next_marker, max_items=3)
        assert [u.user_name for u in rest.items] == ["D"] and rest.next_marker is None


def test_rename_changes_name_path_arn_and_refuses_a_taken_name(store: Store) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with store.transaction() as tx:
        tx.users.create(alice)
        tx.users.create(bob)
        tx.access_keys.create(make_key("AKIAALICE", "alice"))
    with store.transaction() as tx:
        with pytest.raises(Conflict):
            tx.users.rename(alice, new_name="BOB", new_path="/", new_arn="x")
        # the same user in another case is not a clash
        new_arn = f"arn:aws:iam::{ACCOUNT}:user/new/Alice2"
        tx.users.rename(alice, new_name="Alice2", new_path="/new/", new_arn=new_arn)
        tx.access_keys.rename_user(ACCOUNT, "alice", "Alice2")
    with store.transaction(write=False) as tx:
        renamed = tx.users.get(ACCOUNT, "alice2")
        assert renamed is not None
        assert (renamed.user_id, renamed.path, renamed.arn) == (alice.user_id, "/new/", new_arn)
        assert tx.users.get(ACCOUNT, "alice") is None
        assert [k.access_key_id for k in tx.access_keys.list_for(ACCOUNT, "Alice2")] == [
            "AKIAALICE"
        ]


def test_delete_cascades_to_tags_and_inline_policies(store: Store) -> None:
    user = make_user("gone", tags=(Tag("a", "b"),))
    with store.transaction() as tx:
        tx.users.create(user)
        tx.user_policies.put(user.user_id, InlinePolicy("p", POLICY))
    with store.transaction() as tx:
        assert tx.user_policies.count(user.user_id) == 1
        assert tx.users.delete(user.user_id)
        assert not tx.users.delete(user.user_id)
    with store.transaction() as tx:
        tx.users.create(user)  # same id again: no orphans left behind
        assert tx.users.get(ACCOUNT, "gone") == user
        assert tx.user_policies.count(user.user_id) == 0


def test_tags_and_boundary_are_replaced(store: Store) -> None:
    user = make_user("t", tags=(Tag("a", "1"),))
    with store.transaction() as tx:
        tx.users.create(user)
        tx.users.set_tags(user.user_id, [Tag("z", "2"), Tag("a", "3")])
        tx.users.set_permissions_boundary(user.user_id, "arn:aws:iam::aws:policy/X")
    with store.transaction(write=False) as tx:
        got = tx.users.get(ACCOUNT, "t")
        assert got is not None
        assert got.tags == (Tag("z", "2"), Tag("a", "3"))
        assert got.permissions_boundary_arn == "arn:aws:iam::aws:policy/X"


def test_key_counts_per_user(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(make_key("AKIA1", "u"))
        tx.access_keys.create(make_key("AKIA2", "u", age=1))
        tx.access_keys.create(make_key("AKIA3", None))
        assert tx.access_keys.count_for(ACCOUNT, "u") == 2
        assert tx.access_keys.count_for(ACCOUNT, "v") == 0


def test_record_use_writes_once_a_minute_with_its_first_service_and_region(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(make_key("AKIAUSED", "u"))
        fresh = tx.access_keys.get("AKIAUSED")
        assert fresh is not None and fresh.last_used_date is None
        tx.access_keys.record_use(fresh, T0, "iam", "us-east-1")
    with store.transaction(write=False) as tx:
        used = tx.access_keys.get("AKIAUSED")
        assert used is not None
        assert used.last_used_date == T0.replace(second=0, microsecond=0)
        assert (used.last_used_service, used.last_used_region) == ("iam", "us-east-1")
    with store.transaction(write=False) as tx:
        # the same minute: nothing to write, even in a read transaction, whatever the service
        assert not tx.access_keys.record_use(used, T0 + timedelta(seconds=1), "iam", "us-east-1")
        assert not tx.access_keys.record_use(used, T0 + timedelta(seconds=2), "sts", "eu-west-1")
    with store.transaction(write=False) as tx:
        kept = tx.access_keys.get("AKIAUSED")
        assert kept is not None
        assert (kept.last_used_service, kept.last_used_region) == ("iam", "us-east-1")
    with store.transaction() as tx:
        tx.access_keys.record_use(used, T0 + timedelta(minutes=5), "sts", "eu-west-1")
    with store.transaction(write=False) as tx:
        later = tx.access_keys.get("AKIAUSED")
        assert later is not None
        assert later.last_used_date == (T0 + timedelta(minutes=5)).replace(second=0, microsecond=0)
        assert (later.last_used_service, later.last_used_region) == ("sts", "eu-west-1")


def test_record_use_in_a_stale_read_transaction_is_dropped_not_an_error(
    store: Store, backend: str
) -> None:
    """SQLite: a read transaction whose snapshot another writer has moved past cannot write
    (SQLITE_BUSY_SNAPSHOT). The last-used update is then skipped and the request goes on."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL read transactions can always write")
    user = make_user("u")
    with store.transaction() as tx:
        tx.access_keys.create(make_key("AKIASTALE", "u"))
        tx.users.create(user)
    with store.transaction(write=False) as reader:
        key = reader.access_keys.get("AKIASTALE")  # the read snapshot starts here
        assert key is not None
        with store.transaction() as writer:
            writer.users.set_tags(user.user_id, [Tag("a", "b")])
        reader.access_keys.record_use(key, T0, "iam", "us-east-1")
        assert reader.users.get(ACCOUNT, "u") is not None  # the transaction is still usable
    with store.transaction(write=False) as tx:
        after = tx.access_keys.get("AKIASTALE")
        assert after is not None and after.last_used_date is None


USER_NAME_CHARS = string.ascii_letters + string.digits + "+=,.@_-"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    users=st.lists(
        st.tuples(st.text(USER_NAME_CHARS, min_size=1, max_size=12), st.sampled_from(PATHS)),
        max_size=15,
        unique_by=lambda pair: pair[0].lower(),
    ),
    prefix=st.sampled_from(["/", "/a/", "/a/b/", "/z/"]),
    max_items=st.integers(1, 7),
)
def test_user_pages_partition_the_sorted_names_under_a_path(
    shared_store: Store, users: list[tuple[str, str]], prefix: str, max_items: int
) -> None:
    shared_store.reset()
    with shared_store.transaction() as tx:
        for name, path in users:
            tx.users.create(make_user(name, path=path))
        seen: list[str] = []
        marker = None
        while True:
            page = tx.users.list(ACCOUNT, path_prefix=prefix, marker=marker, max_items=max_items)
            assert len(page.items) <= max_items
            seen += [user.user_name for user in page.items]
            if page.next_marker is None:
                break
            assert len(page.items) == max_items
            marker = page.next_marker
    expected = [name for name, path in users if path.startswith(prefix)]
    assert seen == sorted(expected, key=str.lower)


def test_a_marker_of_another_listing_is_refused(store: Store) -> None:
    with store.transaction() as tx:
        for name in ("a", "b"):
            tx.roles.create(make_role(name))
            tx.users.create(make_user(name))
        role_marker = tx.roles.list(ACCOUNT, marker=None, max_items=1).next_marker
        assert role_marker is not None
        with pytest.raises(InvalidMarker):
            tx.users.list(ACCOUNT, marker=role_marker, max_items=1)


def test_lookups_within_a_transaction_see_its_own_writes(store: Store) -> None:
    """Lookups are remembered for the transaction; every write through the repo forgets them."""
    user = make_user("cached", tags=(Tag("a", "1"),))
    with store.transaction() as tx:
        assert tx.users.get(ACCOUNT, "cached") is None
        tx.users.create(user)
        assert tx.users.get(ACCOUNT, "CACHED") == user
        tx.users.set_tags(user.user_id, [Tag("b", "2")])
        got = tx.users.get(ACCOUNT, "cached")
        assert got is not None and got.tags == (Tag("b", "2"),)
        tx.users.set_permissions_boundary(user.user_id, "arn:aws:iam::aws:policy/B")
        got = tx.users.get(ACCOUNT, "cached")
        assert got is not None and got.permissions_boundary_arn == "arn:aws:iam::aws:policy/B"
        assert tx.users.get(ACCOUNT, "renamed") is None
        tx.users.rename(got, new_name="renamed", new_path="/p/", new_arn="arn:x")
        assert tx.users.get(ACCOUNT, "cached") is None
        renamed = tx.users.get(ACCOUNT, "renamed")
        assert renamed is not None and (renamed.path, renamed.arn) == ("/p/", "arn:x")
        tx.users.delete(user.user_id)
        assert tx.users.get(ACCOUNT, "renamed") is None


def test_upgrading_from_r0001_keeps_access_keys_and_adds_users(
    url: str, sealer: AesGcmSealer
) -> None:
    """A database written before users existed: its keys survive r0002, never used yet."""
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            command.downgrade(alembic_config(tx.connection), "r0001")
            sealed = sealer.seal(
                b"old-secret", purpose=SECRETS_PURPOSE, aad=b"AKIAOLDROOTKEY000000"
            )
            tx.connection.execute(
                text(
                    "INSERT INTO access_keys (access_key_id, account_id, user_name, status,"
                    " create_date, secret_sealed) VALUES (:id, :acct, NULL, 'Active', :at, :s)"
                ),
                {
                    "id": "AKIAOLDROOTKEY000000",
                    "acct": ACCOUNT,
                    "at": T0 if tx.connection.dialect.name == "postgresql" else 0,
                    "s": sealed,
                },
            )
            command.upgrade(alembic_config(tx.connection), "head")
        with store.transaction() as tx:
            key = tx.access_keys.get("AKIAOLDROOTKEY000000")
            assert key is not None and key.secret_access_key == "old-secret"
            assert (key.last_used_date, key.last_used_service, key.last_used_region) == (
                None,
                None,
                None,
            )
            tx.users.create(make_user("after-upgrade"))
            assert tx.users.count(ACCOUNT) == 1
    finally:
        store.close()


def test_a_rename_racing_another_to_the_same_name_is_a_conflict(store: Store) -> None:
    """The second rename's check runs before the first commits (PostgreSQL); the unique index
    then refuses it, and that is a Conflict (EntityAlreadyExists), not a database error."""
    a, b = make_user("a"), make_user("b")
    with store.transaction() as tx:
        tx.users.create(a)
        tx.users.create(b)
    outcome: list[str] = []

    def second() -> None:
        try:
            with store.transaction() as tx:
                tx.users.rename(b, new_name="TARGET", new_path="/", new_arn="arn-b")
            outcome.append("renamed")
        except Conflict:
            outcome.append("conflict")

    with store.transaction() as tx:
        tx.users.rename(a, new_name="target", new_path="/", new_arn="arn-a")
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(1.0)  # it waits: for the write lock (SQLite) or the index entry (PostgreSQL)
        assert racer.is_alive()
    racer.join(30)
    assert outcome == ["conflict"]
    with store.transaction(write=False) as tx:
        assert tx.users.get(ACCOUNT, "b") is not None
        renamed = tx.users.get(ACCOUNT, "TARGET")
        assert renamed is not None and renamed.user_id == a.user_id
