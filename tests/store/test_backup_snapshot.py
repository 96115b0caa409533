"""A backup (and the source of ``db copy``) is read from one snapshot: rows committed by a writer
while it is being read are in none of its tables, on SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

from store_helpers import ACCOUNT, T0, AesGcmSealer, make_role

from rolegate.domain.entities import AccessKey, Account
from rolegate.store import Store
from rolegate.store.migrate import head_revision
from rolegate.store.snapshot import current_revision, read_snapshot
from rolegate.store.transfer import End, TableStart, dump, load


def test_rows_committed_during_a_dump_are_not_in_it(url: str, sealer: AesGcmSealer) -> None:
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
            tx.roles.create(make_role("Before"))
        with read_snapshot(store.engine) as conn:
            assert current_revision(conn) == head_revision()  # the snapshot begins here
            with store.transaction() as tx:  # another connection writes and commits
                tx.access_keys.create(AccessKey("AKIADURINGDUMP", "s", ACCOUNT, None, "Active", T0))
                tx.roles.create(make_role("During"))
            tables: dict[str, list[list[object]]] = {}
            current = ""
            end = None
            for event in dump(conn, head_revision()):
                if isinstance(event, TableStart):
                    current = event.name
                    tables[current] = []
                elif isinstance(event, End):
                    end = event
                else:
                    tables[current].append(event)
        assert tables["access_keys"] == []
        assert [row[2] for row in tables["roles"]] == ["Before"]
        assert end is not None and end.counts["roles"] == 1 and end.counts["access_keys"] == 0
        with store.transaction(write=False) as tx:  # the writes themselves did happen
            assert tx.roles.get(ACCOUNT, "during") is not None
    finally:
        store.close()


def test_a_restore_over_a_database_empties_the_read_caches_of_its_users(
    url: str, sealer: AesGcmSealer
) -> None:
    """The change serial is not in a dump (store.snapshot): a restore leaps it on, so a store
    that cached the replaced rows reads the restored ones, whatever serial the dump was taken at."""
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
            tx.roles.create(make_role("Kept"))
        with read_snapshot(store.engine) as conn:
            events = list(dump(conn, head_revision()))
        assert not any(isinstance(e, TableStart) and e.name == "change_serial" for e in events)
        with store.transaction() as tx:
            assert tx.roles.delete(ACCOUNT, "kept")
            tx.roles.create(make_role("Later"))
        with store.transaction(write=False) as tx:  # now in the read cache
            assert tx.roles.get(ACCOUNT, "later") is not None
        serial = store.change_serial()
        load(store.engine, head_revision(), events, force=True)
        assert store.change_serial() != serial
        with store.transaction(write=False) as tx:
            assert tx.roles.get(ACCOUNT, "later") is None
            assert tx.roles.get(ACCOUNT, "kept") is not None
    finally:
        store.close()
