"""The console's shared state (``console_guards``): ended sessions until their expiry, failed
sign-in counters that no two writers lose, and rows forgotten once they stop mattering."""

from __future__ import annotations

import threading

from rolegate.console.throttle import FREE_FAILURES, lock_rule
from rolegate.store import Store


def test_an_ended_session_is_ended_until_its_expiry(store: Store) -> None:
    with store.transaction() as tx:
        tx.console_guards.end_session("s1", 1_000, 0)
        tx.console_guards.end_session("s1", 1_000, 0)  # a second sign-out: no error
    with store.transaction(write=False) as tx:
        assert tx.console_guards.session_ended("s1", 999)
        assert not tx.console_guards.session_ended("s1", 1_000)  # expired: moot
        assert not tx.console_guards.session_ended("s2", 0)


def test_failures_lock_after_the_free_ones_and_clear(store: Store) -> None:
    with store.transaction() as tx:
        untils = [tx.console_guards.failed("k", 100, lock_rule) for _ in range(FREE_FAILURES)]
    assert untils == [0] * (FREE_FAILURES - 1) + [160]
    with store.transaction(write=False) as tx:
        assert tx.console_guards.locked_until("k") == 160
        assert tx.console_guards.locked_until("other") == 0
    with store.transaction() as tx:
        tx.console_guards.clear("k")
    with store.transaction(write=False) as tx:
        assert tx.console_guards.locked_until("k") == 0


def test_rows_past_their_expiry_are_deleted_on_the_next_write(store: Store) -> None:
    with store.transaction() as tx:
        tx.console_guards.end_session("old", 50, 0)
        tx.console_guards.failed("k", 0, lambda failures, now: (0, 60))
        tx.console_guards.end_session("new", 500, 100)  # prunes both
    with store.transaction(write=False) as tx:
        rows = tx.connection.exec_driver_sql("SELECT key FROM console_guards").all()
    assert [r.key for r in rows] == ["session new"]


def test_concurrent_failures_are_all_counted(store: Store) -> None:
    def fail() -> None:
        for _ in range(10):
            with store.transaction() as tx:
                tx.console_guards.failed("race", 100, lambda failures, now: (0, 10_000))

    threads = [threading.Thread(target=fail) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.transaction(write=False) as tx:
        row = tx.connection.exec_driver_sql(
            "SELECT failures FROM console_guards WHERE key = 'race'"
        ).one()
    assert row.failures == 30
