"""The change serial read from an event loop (store.loop_probe, ``Store.serial_on_loop``) and
read transactions given that serial, on both backends: on SQLite there is nothing to read on the
loop (the transaction's own check is local), on PostgreSQL one round trip serves every request
waiting for it and still sees every change committed before each of them began."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from store_helpers import ACCOUNT, T0, AesGcmSealer, make_role

from rolegate.domain.entities import Account
from rolegate.store import LoopProbeFailed, NeedsDatabase, Store
from rolegate.store.loop_probe import LoopProbe


def _seed(store: Store) -> None:
    with store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        tx.roles.create(make_role("probed"))


def test_the_serial_on_the_loop_is_the_databases_or_left_to_the_transaction(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores

    async def run() -> list[int | None]:
        seen = [await second.serial_on_loop()]
        _seed(first)  # a change through another node
        seen.append(await second.serial_on_loop())
        return seen

    before, after = asyncio.run(run())
    if second.dialect_name == "sqlite":
        assert before is None and after is None  # checked locally inside the transaction
    else:
        assert before is not None and after == before + 1 == second.change_serial()


def test_a_transaction_given_the_serial_answers_from_the_cache_until_it_moves(
    two_stores: tuple[Store, Store],
) -> None:
    first, second = two_stores
    _seed(first)
    serial = first.change_serial()
    with second.transaction(write=False, serial=serial) as tx:
        assert tx.roles.get(ACCOUNT, "probed") is not None
    with second.transaction(write=False, cache_only=True, serial=serial) as tx:
        assert tx.roles.get(ACCOUNT, "probed") is not None  # no statement: from memory
    with first.transaction() as tx:
        assert tx.roles.delete(ACCOUNT, "probed")
    with (
        pytest.raises(NeedsDatabase),
        second.transaction(write=False, cache_only=True, serial=first.change_serial()) as tx,
    ):
        tx.roles.get(ACCOUNT, "probed")  # the serial moved: never the deleted role from memory


class CountingProbe(LoopProbe):
    def __init__(self, store: Store) -> None:
        super().__init__(store.engine.url)
        self.round_trips = 0

    async def _read(self) -> int:
        self.round_trips += 1
        return await super()._read()


@pytest.fixture
def postgresql_store(store: Store) -> Store:
    if store.dialect_name == "sqlite":
        pytest.skip("SQLite reads its serial inside the transaction: there is no loop probe")
    return store


def test_waiting_requests_share_round_trips(postgresql_store: Store) -> None:
    probe = CountingProbe(postgresql_store)

    async def run() -> list[int]:
        try:
            return list(await asyncio.gather(*(probe.serial() for _ in range(20))))
        finally:
            await probe.close()

    seen = asyncio.run(run())
    assert seen == [postgresql_store.change_serial()] * 20
    assert 1 <= probe.round_trips <= 2  # the first, then one for everyone who came meanwhile


def test_a_request_never_joins_a_probe_sent_before_it_began(postgresql_store: Store) -> None:
    """A caller arriving while a probe is on the wire waits for the next one, which sees a
    change committed after the first was sent."""
    probe = CountingProbe(postgresql_store)

    async def run() -> tuple[int, int]:
        try:
            await probe.serial()  # connected
            early = asyncio.ensure_future(probe.serial())
            while probe.round_trips < 2:  # until the early probe is on its way
                await asyncio.sleep(0)
            with postgresql_store.transaction() as tx:  # a change after it was sent
                tx.accounts.create(Account(ACCOUNT, T0))
            late = await probe.serial()
            return await early, late
        finally:
            await probe.close()

    early, late = asyncio.run(run())
    assert probe.round_trips == 3  # the late caller had a round trip of its own
    assert late == postgresql_store.change_serial() and late >= early


def test_a_lost_connection_fails_one_probe_and_the_next_reconnects(postgresql_store: Store) -> None:
    probe = CountingProbe(postgresql_store)

    async def run() -> int:
        try:
            await probe.serial()
            connection = probe._connection
            assert connection is not None
            with postgresql_store.engine.connect() as admin:
                admin.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": connection.info.backend_pid}
                )
            with pytest.raises(LoopProbeFailed):
                await probe.serial()
            return await probe.serial()
        finally:
            await probe.close()

    assert asyncio.run(run()) == postgresql_store.change_serial()


def test_an_unreachable_database_fails_the_probe(postgresql_store: Store) -> None:
    url = postgresql_store.engine.url.set(port=1, query={"connect_timeout": "2"})
    probe = LoopProbe(url)

    async def run() -> None:
        try:
            with pytest.raises(LoopProbeFailed):
                await probe.serial()
        finally:
            await probe.close()

    asyncio.run(run())


def test_a_store_closed_without_its_loop_closes_the_probes_connection(
    url: str, sealer: AesGcmSealer
) -> None:
    """A runtime stopped without its lifespan's shutdown: ``Store.close`` still closes the
    loop probe's connection (no connection left open for the garbage collector)."""
    store = Store.open(url, sealer=sealer)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(store.serial_on_loop())
        probe = store._loop_probe
        connection = probe._connection if probe is not None else None
        store.close()
        assert store._loop_probe is None
        if store.dialect_name != "sqlite":
            assert connection is not None and connection.closed
    finally:
        loop.close()


def test_callers_waiting_when_the_probe_closes_go_to_the_threads(postgresql_store: Store) -> None:
    probe = CountingProbe(postgresql_store)

    async def run() -> list[BaseException | int]:
        await probe.serial()
        waiting = [asyncio.ensure_future(probe.serial()) for _ in range(3)]
        await asyncio.sleep(0)
        await probe.close()  # as the server's shutdown does
        return list(await asyncio.gather(*waiting, return_exceptions=True))

    outcomes = asyncio.run(run())
    assert outcomes and all(isinstance(o, LoopProbeFailed) for o in outcomes)
