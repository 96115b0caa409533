"""Write transactions that share a COMMIT (SQLite's group commit, store.group_commit) keep the
promises of one transaction per request, on both backends: a failed transaction changes
nothing and takes no neighbour with it; a returned one is committed and visible to everyone."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial

from store_helpers import ACCOUNT, make_role

from rolegate.domain.entities import InlinePolicy
from rolegate.store import Store


class Refused(Exception):
    """Raised by a writer after it wrote, to roll its transaction back."""


def _run_together(workers: Sequence[Callable[[], None]]) -> list[BaseException | None]:
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


def test_failed_writers_roll_back_alone_and_finished_ones_are_visible_at_once(
    store: Store,
) -> None:
    threads, per_thread = 6, 12
    not_visible: list[str] = []

    def writer(t: int) -> Callable[[], None]:
        def work() -> None:
            for i in range(per_thread):
                name = f"gc-{t}-{i}"
                fails = (t + i) % 3 == 0
                try:
                    with store.transaction() as tx:
                        role = make_role(name)
                        tx.roles.create(role)
                        tx.role_policies.put(role.role_id, InlinePolicy("P", "{}"))
                        if fails:
                            raise Refused(name)
                except Refused:
                    continue
                # Returned: committed, so a new read transaction on any connection sees it.
                with store.transaction(write=False) as tx:
                    if tx.roles.get(ACCOUNT, name) is None:
                        not_visible.append(name)

        return work

    outcomes = _run_together([writer(t) for t in range(threads)])
    assert outcomes == [None] * threads
    assert not_visible == []
    expected = {
        f"gc-{t}-{i}" for t in range(threads) for i in range(per_thread) if (t + i) % 3 != 0
    }
    with store.transaction(write=False) as tx:
        page = tx.roles.list(ACCOUNT, marker=None, max_items=1000)
        assert {r.role_name for r in page.items} == expected
        for role in page.items:
            assert tx.role_policies.count(role.role_id) == 1


def test_an_exception_in_a_writer_reaches_its_caller_unchanged(store: Store) -> None:
    outcomes = _run_together(
        [partial(_create_then_raise, store, f"raiser-{n}") for n in range(4)]
        + [partial(_create, store, f"keeper-{n}") for n in range(4)]
    )
    assert [type(o).__name__ for o in outcomes] == ["Refused"] * 4 + ["NoneType"] * 4
    with store.transaction(write=False) as tx:
        page = tx.roles.list(ACCOUNT, marker=None, max_items=100)
        assert sorted(r.role_name for r in page.items) == [f"keeper-{n}" for n in range(4)]


def test_later_writers_see_what_earlier_ones_wrote(store: Store) -> None:
    """Sequential semantics inside a shared transaction: the second create of a name sees
    the first (the unique index answers, whether or not both share one COMMIT)."""
    outcomes = _run_together([lambda: _create(store, "Same"), lambda: _create(store, "same")])
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    with store.transaction(write=False) as tx:
        assert tx.roles.count(ACCOUNT) == 1


def _create(store: Store, name: str) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role(name))


def _create_then_raise(store: Store, name: str) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role(name))
        raise Refused(name)


def test_writers_of_two_stores_on_one_database_all_succeed(url: str, sealer: object) -> None:
    """Two stores stand for two server processes (``--workers 2``): their groups meet at the
    database's own write lock, and every writer of both gets through."""
    stores = [Store.open(url, sealer=sealer), Store.open(url, sealer=sealer)]  # type: ignore[arg-type]
    try:

        def writer(n: int) -> Callable[[], None]:
            def work() -> None:
                for i in range(10):
                    _create(stores[n % 2], f"two-{n}-{i}")

            return work

        outcomes = _run_together([writer(n) for n in range(6)])
        assert outcomes == [None] * 6
        with stores[0].transaction(write=False) as tx:
            assert tx.roles.count(ACCOUNT) == 60
    finally:
        for store in stores:
            store.close()
