"""The audit trail's store: the retention's batches go oldest first, in key order, and stop at
the batch's size even among events of one time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from store_helpers import T0, make_audit_event

from rolegate.store import Store
from rolegate.store.schema_audit import audit_events


def test_prune_deletes_the_oldest_batch_by_key(store: Store) -> None:
    # seven before the cut (three of them at one time), two at and after it; written unordered
    events = [
        make_audit_event(n, s) for n, s in ((6, 3), (1, 0), (4, 2), (3, 2), (5, 2), (2, 1), (0, 0))
    ]
    events += [make_audit_event(7, 4), make_audit_event(8, 5)]
    with store.transaction() as tx:
        tx.audit_events.insert(events)
    cut = T0 + timedelta(seconds=4)

    def left() -> list[str]:
        with store.transaction(write=False) as tx:
            query = select(audit_events.c.event_id).order_by(audit_events.c.event_id)
            return [event_id[-2:] for event_id in tx.connection.execute(query).scalars()]

    # key order: (0 s, 00) (0 s, 01) (1 s, 02) | (2 s, 03) (2 s, 04) (2 s, 05) | (3 s, 06)
    with store.transaction() as tx:
        assert tx.audit_events.prune(cut, batch=3) == 3
    assert left() == ["03", "04", "05", "06", "07", "08"]
    with store.transaction() as tx:
        assert tx.audit_events.prune(cut, batch=3) == 3  # the three at 2 s, and no more
    assert left() == ["06", "07", "08"]
    with store.transaction() as tx:
        assert tx.audit_events.prune(cut, batch=3) == 1
        assert tx.audit_events.prune(cut, batch=3) == 0
    assert left() == ["07", "08"]


def test_a_prune_batch_can_end_among_events_of_one_time(store: Store) -> None:
    with store.transaction() as tx:
        tx.audit_events.insert(
            [make_audit_event(n, s) for n, s in ((9, 2), (1, 0), (5, 2), (3, 1))]
        )
    with store.transaction() as tx:
        assert tx.audit_events.prune(T0 + timedelta(days=1), batch=3) == 3
    with store.transaction(write=False) as tx:
        rest = tx.connection.execute(select(audit_events.c.event_id)).scalars().all()
    assert rest == ["00000000-0000-4000-8000-000000000009"]  # (2 s, ...09): the last in key order
