"""RoleLastUsed: recorded by AssumeRole, best effort."""

from __future__ import annotations

from datetime import timedelta

from store_helpers import ACCOUNT, T0

from rolegate.domain.entities import Role
from rolegate.store import Store


def test_record_use_sets_date_and_region(store: Store) -> None:
    role = Role(ACCOUNT, "AROAUSE", "used", "/", f"arn:aws:iam::{ACCOUNT}:role/used", T0, "{}")
    with store.transaction() as tx:
        tx.roles.create(role)
    later = T0 + timedelta(hours=1)
    with store.transaction(write=False) as tx:
        tx.roles.record_use(role.role_id, later, "eu-west-1")
    with store.transaction() as tx:
        got = tx.roles.get(ACCOUNT, "used")
        assert got is not None
        assert (got.last_used_date, got.last_used_region) == (later, "eu-west-1")
