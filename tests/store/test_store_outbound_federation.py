"""The outbound federation repository on both backends: one issuer per account, its enabled flag,
the active key of each algorithm, private keys sealed at rest, retirement and pruning."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from store_helpers import T0

from rolegate.domain.outbound_federation import OutboundIssuer, SigningKey
from rolegate.store import Conflict, Store
from rolegate.store.schema_outbound import outbound_signing_keys


def account() -> str:
    return str(uuid.uuid4().int)[:12]


def test_one_issuer_per_account_and_its_flag(store: Store) -> None:
    owner = account()
    issuer = OutboundIssuer(owner, str(uuid.uuid4()), True, T0)
    with store.transaction() as tx:
        repo = tx.outbound_federation
        assert repo.issuer(owner) is None
        assert repo.set_enabled(owner, False) is False  # no issuer
        repo.create_issuer(issuer)
        with pytest.raises(Conflict):
            repo.create_issuer(OutboundIssuer(owner, str(uuid.uuid4()), True, T0))
    with store.transaction() as tx:
        repo = tx.outbound_federation
        assert repo.issuer(owner) == issuer
        assert repo.issuer_by_id(issuer.issuer_id) == issuer
        assert repo.set_enabled(owner, True) is False  # already so
        assert repo.set_enabled(owner, False) is True
        assert repo.set_enabled(owner, False) is False
        disabled = repo.issuer(owner)
        assert disabled is not None and not disabled.enabled


def test_active_keys_are_sealed_retired_and_pruned(store: Store) -> None:
    owner = account()
    with store.transaction() as tx:
        repo = tx.outbound_federation
        assert repo.signing_state(owner, "ES384") is None
        repo.create_issuer(OutboundIssuer(owner, str(uuid.uuid4()), True, T0))
        empty = repo.signing_state(owner, "ES384")
        assert empty is not None and empty.key_id is None
        repo.add_key(SigningKey(f"es-old-{owner}", owner, "ES384", "{}", T0), b"old private")
        repo.add_key(SigningKey(f"rs-{owner}", owner, "RS256", "{}", T0), b"rsa private")
    later = T0 + timedelta(hours=1)
    with store.transaction() as tx:
        repo = tx.outbound_federation
        repo.retire_active(owner, "ES384", later)
        repo.add_key(SigningKey(f"es-new-{owner}", owner, "ES384", "{}", later), b"new private")
        state = repo.signing_state(owner, "ES384")
        assert state is not None and state.key_id == f"es-new-{owner}"
        assert state.private_sealed is not None and b"new private" not in state.private_sealed
        assert repo.open_private_key(state.key_id, state.private_sealed) == b"new private"
        stored = tx.connection.execute(select(outbound_signing_keys.c.private_sealed)).scalars()
        assert all(b"private" not in bytes(value) for value in stored)
        keys = {key.key_id: key for key in repo.keys(owner)}
        assert keys[f"es-old-{owner}"].retire_date == later
        assert keys[f"es-new-{owner}"].retire_date is None
        assert keys[f"es-old-{owner}"].published_at(later + timedelta(seconds=3899))
        assert not keys[f"es-old-{owner}"].published_at(later + timedelta(seconds=3900))
        assert repo.delete_retired_before(owner, later) == 0
        assert repo.delete_retired_before(owner, later + timedelta(seconds=1)) == 1
        assert sorted(repo.keys(owner), key=lambda k: k.key_id)[0].key_id == f"es-new-{owner}"
        rsa = repo.signing_state(owner, "RS256")
        assert rsa is not None and rsa.key_id == f"rs-{owner}"
