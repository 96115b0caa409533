"""Concurrent writers on separate connections: the database, not luck, decides."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from store_helpers import ACCOUNT, make_role

from rolegate.domain.entities import InlinePolicy
from rolegate.store import Conflict, Store


def _race(workers: list[Callable[[], None]]) -> list[BaseException | None]:
    """Start all workers at the same instant; return each one's exception (or None)."""
    barrier = threading.Barrier(len(workers))
    outcomes: list[BaseException | None] = [None] * len(workers)

    def run(i: int) -> None:
        barrier.wait()
        try:
            workers[i]()
        except BaseException as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.parametrize("names", [("Racer", "Racer"), ("Racer", "rACER")])
@pytest.mark.parametrize("attempt", range(3))
def test_two_creates_of_the_same_name_exactly_one_wins(
    store: Store, names: tuple[str, str], attempt: int
) -> None:
    def create(name: str) -> Callable[[], None]:
        def work() -> None:
            with store.transaction() as tx:
                if tx.roles.get(ACCOUNT, name) is not None:  # the service's check-then-create
                    raise Conflict(name)
                tx.roles.create(make_role(name))
                time.sleep(0.02)  # keep the transaction open while the other one tries

        return work

    outcomes = _race([create(names[0]), create(names[1])])
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    with store.transaction() as tx:
        assert tx.roles.count(ACCOUNT) == 1
        page = tx.roles.list(ACCOUNT, marker=None, max_items=10)
        winner = names[outcomes.index(None)]
        assert [r.role_name for r in page.items] == [winner]


def test_many_concurrent_writers_of_distinct_names_all_succeed(store: Store) -> None:
    threads, per_thread = 6, 15

    def writer(t: int) -> Callable[[], None]:
        def work() -> None:
            for i in range(per_thread):
                with store.transaction() as tx:
                    name = f"role-{t}-{i}"
                    assert tx.roles.get(ACCOUNT, name) is None  # read, then write
                    role = make_role(name)
                    tx.roles.create(role)
                    tx.role_policies.put(role.role_id, InlinePolicy("P", "{}"))

        return work

    outcomes = _race([writer(t) for t in range(threads)])
    assert outcomes == [None] * threads
    with store.transaction(write=False) as tx:
        assert tx.roles.count(ACCOUNT) == threads * per_thread


def test_concurrent_policy_puts_on_one_role_keep_one_row(store: Store) -> None:
    role = make_role("Shared")
    with store.transaction() as tx:
        tx.roles.create(role)

    def put(doc: str) -> Callable[[], None]:
        def work() -> None:
            with store.transaction() as tx:
                tx.role_policies.put(role.role_id, InlinePolicy("Same", doc))

        return work

    docs = [f'{{"n":{i}}}' for i in range(4)]
    outcomes = _race([put(doc) for doc in docs])
    assert outcomes == [None] * len(docs)
    with store.transaction() as tx:
        assert tx.role_policies.count(role.role_id) == 1
        got = tx.role_policies.get(role.role_id, "same")
        assert got is not None and got.policy_document in docs


@pytest.mark.parametrize("first_commits", [True, False])
def test_second_create_waits_for_the_first_transaction_to_finish(
    store: Store, first_commits: bool
) -> None:
    """While the first creator's transaction is open the second blocks (PostgreSQL: on the
    unique index entry; SQLite: at BEGIN IMMEDIATE); then it loses if the first committed and
    wins if the first rolled back."""
    first_created, finish_first = threading.Event(), threading.Event()
    second_outcome: list[BaseException | None] = []

    def first() -> None:
        try:
            with store.transaction() as tx:
                tx.roles.create(make_role("Contested"))
                first_created.set()
                finish_first.wait(10)
                if not first_commits:
                    raise RuntimeError("roll back")
        except RuntimeError:
            pass

    def second() -> None:
        try:
            with store.transaction() as tx:
                tx.roles.create(make_role("CONTESTED"))
            second_outcome.append(None)
        except BaseException as exc:
            second_outcome.append(exc)

    first_thread = threading.Thread(target=first)
    first_thread.start()
    assert first_created.wait(10)
    second_thread = threading.Thread(target=second)
    second_thread.start()
    second_thread.join(0.3)
    assert second_thread.is_alive(), "the second creator must wait for the first transaction"
    finish_first.set()
    first_thread.join(10)
    second_thread.join(10)
    assert len(second_outcome) == 1
    if first_commits:
        assert isinstance(second_outcome[0], Conflict)
    else:
        assert second_outcome[0] is None
    with store.transaction() as tx:
        role = tx.roles.get(ACCOUNT, "contested")
        assert role is not None
        assert role.role_name == ("Contested" if first_commits else "CONTESTED")
