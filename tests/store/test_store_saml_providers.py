"""SAML providers and seen assertion ids in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from store_helpers import ACCOUNT, T0

from rolegate.domain.entities import Tag
from rolegate.domain.saml_provider import REQUIRED, SamlPrivateKey, SamlProvider
from rolegate.store import Conflict, Store
from rolegate.store.schema_saml import saml_provider_private_keys

PROVIDER = SamlProvider(
    provider_id="A" * 26,
    account_id=ACCOUNT,
    name="Corp",
    arn=f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp",
    metadata_document="<EntityDescriptor/>",
    entity_id="https://idp.example.com/saml",
    certificates=(b"\x30\x82first", b"\x30\x82second"),
    create_date=T0,
    valid_until=T0 + timedelta(days=365),
    tags=(Tag("team", "a"), Tag("env", "prod")),
)


def test_create_get_list_update_delete(store: Store) -> None:
    with store.transaction() as tx:
        tx.saml_providers.create(PROVIDER)
    with store.transaction() as tx:
        assert tx.saml_providers.get(ACCOUNT, "corp") == PROVIDER
        assert [p.name for p in tx.saml_providers.list(ACCOUNT)] == ["Corp"]
        assert tx.saml_providers.list(ACCOUNT)[0].tags == ()
        assert tx.saml_providers.count(ACCOUNT) == 1
        tx.saml_providers.update_metadata(
            PROVIDER.provider_id,
            metadata_document="<new/>",
            entity_id="urn:other",
            certificates=(b"third",),
            valid_until=None,
        )
        tx.saml_providers.set_tags(PROVIDER.provider_id, [Tag("k", "v")])
    with store.transaction() as tx:
        got = tx.saml_providers.get(ACCOUNT, "Corp")
        assert got is not None
        assert (got.metadata_document, got.entity_id, got.certificates) == (
            "<new/>",
            "urn:other",
            (b"third",),
        )
        assert got.valid_until is None and got.tags == (Tag("k", "v"),)
        assert tx.saml_providers.delete(PROVIDER.provider_id)
        assert not tx.saml_providers.delete(PROVIDER.provider_id)
        assert tx.saml_providers.get(ACCOUNT, "Corp") is None


def test_private_keys_are_sealed_added_removed_and_go_with_the_provider(store: Store) -> None:
    first = SamlPrivateKey("K" * 26, T0, "-----BEGIN PRIVATE KEY-----\nfirst\n")
    second = SamlPrivateKey("L" * 26, T0 + timedelta(days=1), "-----BEGIN PRIVATE KEY-----\n2\n")
    provider = replace(PROVIDER, name="Keyed", provider_id="B" * 26, private_keys=(first,))
    assert "BEGIN" not in repr(provider) and "BEGIN" not in repr(first)
    with store.transaction() as tx:
        tx.saml_providers.create(provider)
    with store.transaction() as tx:
        got = tx.saml_providers.get(ACCOUNT, "keyed")
        assert got is not None and got.private_keys == (first,)
        assert got.assertion_encryption_mode == "Allowed"
        assert tx.saml_providers.list(ACCOUNT)[0].private_keys == ()  # listings never read keys
        tx.saml_providers.add_private_key(provider.provider_id, second)
        tx.saml_providers.set_encryption_mode(provider.provider_id, REQUIRED)
        rows = tx.connection.execute(select(saml_provider_private_keys)).all()
        assert rows and all(b"BEGIN" not in row.private_key_sealed for row in rows)
    with store.transaction() as tx:
        got = tx.saml_providers.get(ACCOUNT, "Keyed")
        assert got is not None and got.private_keys == (first, second)
        assert got.assertion_encryption_mode == REQUIRED
        assert tx.saml_providers.remove_private_key(provider.provider_id, first.key_id)
        assert not tx.saml_providers.remove_private_key(provider.provider_id, first.key_id)
        assert not tx.saml_providers.remove_private_key(PROVIDER.provider_id, second.key_id)
    with store.transaction() as tx:
        got = tx.saml_providers.get(ACCOUNT, "Keyed")
        assert got is not None and got.private_keys == (second,)
        assert tx.saml_providers.delete(provider.provider_id)
        assert tx.connection.execute(select(saml_provider_private_keys)).all() == []


def test_names_are_unique_per_account_without_regard_to_case(store: Store) -> None:
    with store.transaction() as tx:
        tx.saml_providers.create(PROVIDER)
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.saml_providers.create(replace(PROVIDER, provider_id="B" * 26, name="CORP"))
    with store.transaction() as tx:
        tx.saml_providers.create(replace(PROVIDER, provider_id="C" * 26, account_id="2" * 12))
        assert tx.saml_providers.count(ACCOUNT) == 1


def test_an_assertion_id_is_recorded_once_and_purged_after_expiry(store: Store) -> None:
    arn = PROVIDER.arn
    with store.transaction() as tx:
        assert tx.saml_providers.record_assertion(arn, "_id1", T0 + timedelta(minutes=5))
        assert not tx.saml_providers.record_assertion(arn, "_id1", T0 + timedelta(minutes=5))
        assert tx.saml_providers.record_assertion(arn + "x", "_id1", T0 + timedelta(minutes=5))
    with store.transaction() as tx:
        assert tx.saml_providers.purge_assertions(T0 + timedelta(minutes=6)) == 2
        assert tx.saml_providers.record_assertion(arn, "_id1", T0 + timedelta(minutes=9))


def test_two_concurrent_uses_of_one_assertion_id_one_wins(store: Store) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def use() -> None:
        barrier.wait()
        with store.transaction() as tx:
            results.append(tx.saml_providers.record_assertion(PROVIDER.arn, "_race", T0))

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
