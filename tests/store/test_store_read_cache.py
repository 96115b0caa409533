"""The read cache of read transactions (store.freshness, store.cached_repos), on both backends.

Two ``Store`` objects on one database stand for two nodes (or two worker processes): a change
committed through one is seen by the other's next read transaction, and a repeated read is
answered from memory (no statement reaches the database) while nothing changed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, event
from store_helpers import ACCOUNT, T0, make_role

from rolegate.domain.audit_event import AuditEvent
from rolegate.domain.entities import AccessKey, Account
from rolegate.store import NeedsDatabase, Store
from rolegate.store.freshness import Freshness, ReadCache
from rolegate.store.schema_changes import change_serial

KEY_ID = "AKIAREADCACHETEST001"


def statements_of(store: Store) -> list[str]:
    """The SQL the store runs from now on (its engine's cursor executions)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    event.listen(store._engine, "before_cursor_execute", record)
    return seen


def seed(store: Store) -> None:
    with store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        tx.access_keys.create(AccessKey(KEY_ID, "secret/0123456789", ACCOUNT, None, "Active", T0))
        tx.roles.create(make_role("cached"))


def test_repeated_reads_are_answered_from_memory(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    seed(first)
    with second.transaction(write=False) as tx:
        role = tx.roles.get(ACCOUNT, "cached")
        assert role is not None and tx.access_keys.get(KEY_ID) is not None
    seen = statements_of(second)
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "CACHED") == role  # names compare case-insensitively
        key = tx.access_keys.get(KEY_ID)
        assert key is not None and key.secret_access_key == "secret/0123456789"
    assert not [sql for sql in seen if "roles" in sql.lower() or "access_keys" in sql.lower()]


def test_a_change_through_another_store_is_seen_at_once(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    seed(first)
    for _ in range(2):
        with second.transaction(write=False) as tx:
            key = tx.access_keys.get(KEY_ID)
            assert key is not None and key.status == "Active"
            assert tx.roles.get(ACCOUNT, "cached") is not None
    with first.transaction() as tx:
        assert tx.access_keys.set_status(KEY_ID, "Inactive")
        assert tx.roles.delete(ACCOUNT, "cached")
    with second.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
        assert key is not None and key.status == "Inactive"
        assert tx.roles.get(ACCOUNT, "cached") is None


def test_a_change_through_the_same_store_is_seen_at_once(store: Store) -> None:
    seed(store)
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    with store.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "cached")
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is None


def test_write_transactions_never_use_the_cache(store: Store) -> None:
    seed(store)
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    with store.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "cached")
        assert tx.roles.get(ACCOUNT, "cached") is None  # its own, uncommitted write


def test_an_entry_read_before_a_bump_is_never_used() -> None:
    """A read that began under generation G and stores its value after a commit bumped the
    generation stores it under G: the next read under G+1 loads afresh."""
    freshness = Freshness()
    generation = freshness.observe("v1")
    stale = freshness.cache.read("role", generation, lambda: "old")
    freshness.bump()  # a write committed while the first read was in flight
    assert stale == "old"
    assert freshness.cache.read("role", freshness.observe("v1"), lambda: "new") == "new"
    assert freshness.cache.read("role", freshness.observe("v1"), lambda: "newer") == "new"
    assert freshness.cache.read("role", freshness.observe("v2"), lambda: "other") == "other"


def test_the_cache_is_bounded_and_keeps_absence_apart() -> None:
    cache = ReadCache(max_entries=3, max_absent=2)
    for index in range(10):
        cache.read(index, 0, lambda: "value")
    assert len(cache) <= 3
    assert cache.read("missing", 0, lambda: None) is None
    assert cache.read("missing", 0, lambda: "there now") is None  # absent in generation 0
    assert cache.read("missing", 1, lambda: "there now") == "there now"
    # names that do not exist, more than the absent part holds: what exists stays
    kept = cache.read("kept", 1, lambda: "value")
    for index in range(50):
        assert cache.read(("nobody", index), 1, lambda: None) is None
    assert cache.read("kept", 1, lambda: "read again") == kept


def test_an_absent_row_created_through_another_store_is_seen_at_once(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    seed(first)
    for _ in range(2):
        with second.transaction(write=False) as tx:
            assert tx.roles.get(ACCOUNT, "later") is None
            assert tx.access_keys.get("AKIALATER0000000000X") is None
    seen = statements_of(second)
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "later") is None  # kept: no statement
    assert not [sql for sql in seen if "roles" in sql.lower()]
    with first.transaction() as tx:
        tx.roles.create(make_role("later"))
    with second.transaction(write=False) as tx:
        found = tx.roles.get(ACCOUNT, "later")
        assert found is not None and found.role_name == "later"


def test_a_cache_only_transaction_answers_hits_and_stops_at_the_first_statement(
    two_stores: tuple[Store, Store],
) -> None:
    """``cache_only=True`` (server.inline): cached reads are answered with no statement; a miss,
    or a change committed through another store, raises NeedsDatabase before any statement."""
    first, second = two_stores
    seed(first)
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    seen = statements_of(second)
    with second.transaction(write=False, cache_only=True) as tx:
        role = tx.roles.get(ACCOUNT, "cached")
        assert role is not None and role.role_name == "cached"
    with pytest.raises(NeedsDatabase), second.transaction(write=False, cache_only=True) as tx:
        tx.access_keys.get(KEY_ID)  # never read through this store: a miss
    with first.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "cached")
    with pytest.raises(NeedsDatabase), second.transaction(write=False, cache_only=True) as tx:
        tx.roles.get(ACCOUNT, "cached")  # the deleted role is never answered from memory
    assert seen == []  # only the freshness probe ran, on its own raw connection
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is None


def test_a_cache_only_write_transaction_is_refused_before_it_begins(store: Store) -> None:
    seed(store)
    seen = statements_of(store)
    with pytest.raises(NeedsDatabase), store.transaction(write=True, cache_only=True) as tx:
        tx.roles.delete(ACCOUNT, "cached")
    assert seen == []
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None


def _event() -> AuditEvent:
    return AuditEvent(
        str(uuid.uuid4()), ACCOUNT, T0, "GetRole", "iam.amazonaws.com", None, KEY_ID, True, (), "{}"
    )


def test_audit_events_leave_the_caches_of_other_stores_alone(
    two_stores: tuple[Store, Store],
) -> None:
    """The outbox's writes (``counts_as_change=False``) change nothing a cache holds: another
    store keeps answering from memory, where any other write would have emptied it."""
    first, second = two_stores
    seed(first)
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    serial = second.change_serial()
    with first.transaction(counts_as_change=False) as tx:
        tx.audit_events.insert([_event()])
    assert second.change_serial() == serial
    seen = statements_of(second)
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    assert not [sql for sql in seen if "roles" in sql.lower()]
    with first.transaction() as tx:  # a counted write, even of the same table
        tx.audit_events.insert([_event()])
    assert second.change_serial() == serial + 1
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    assert [sql for sql in seen if "roles" in sql.lower()]


def test_audit_events_leave_the_cache_of_their_own_store_alone(store: Store) -> None:
    """The outbox runs in the process that answers requests: its flushes (several a second
    under load) must not empty that process's cache either, nor stop cache-only reads
    (server.inline) from answering."""
    seed(store)
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    with store.transaction(counts_as_change=False) as tx:
        tx.audit_events.insert([_event()])
    seen = statements_of(store)
    with store.transaction(write=False, cache_only=True) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    assert seen == []
    with store.transaction() as tx:  # a counted write of this store empties it
        tx.audit_events.insert([_event()])
    with pytest.raises(NeedsDatabase), store.transaction(write=False, cache_only=True) as tx:
        tx.roles.get(ACCOUNT, "cached")


def test_a_last_used_date_written_by_a_read_transaction_reaches_other_stores(
    two_stores: tuple[Store, Store],
) -> None:
    """The best-effort last-used writes of read transactions move the serial with the row: the
    other store's cached key would otherwise show the old date."""
    first, second = two_stores
    seed(first)
    with second.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
        assert key is not None and key.last_used_date is None
    with first.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
        assert key is not None and tx.access_keys.record_use(key, T0, "iam", "us-east-1")
    with second.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
        assert key is not None and key.last_used_date == T0.replace(second=0, microsecond=0)


def test_a_rolled_back_write_moves_nothing(store: Store) -> None:
    seed(store)
    serial = store.change_serial()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "cached")
        raise RuntimeError("rolled back")
    assert store.change_serial() == serial
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None


def test_a_listing_page_is_kept_until_another_store_changes_the_account(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    seed(first)

    def names() -> list[str]:
        with second.transaction(write=False) as tx:
            page = tx.roles.list(ACCOUNT, marker=None, max_items=10, with_tags=False)
            return [role.role_name for role in page.items]

    assert names() == ["cached"]
    seen = statements_of(second)
    assert names() == ["cached"]
    assert not [sql for sql in seen if "roles" in sql.lower()]  # answered from memory
    with first.transaction() as tx:
        tx.roles.create(make_role("added"))
    assert names() == ["added", "cached"]


def test_without_its_serial_row_the_cache_is_never_trusted(two_stores: tuple[Store, Store]) -> None:
    """A damaged schema (the serial's row deleted by hand) costs reads, never freshness."""
    first, second = two_stores
    seed(first)
    with first.transaction() as tx:
        tx.connection.execute(delete(change_serial))
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is not None
    with first.transaction() as tx:  # its bump finds no row to move
        assert tx.roles.delete(ACCOUNT, "cached")
    with second.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "cached") is None
