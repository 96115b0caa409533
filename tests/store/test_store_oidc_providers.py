"""OpenID Connect providers in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0

from rolegate.domain.entities import Tag
from rolegate.domain.oidc_provider import OidcProvider, oidc_provider_arn
from rolegate.store import Conflict, Store

PROVIDER = OidcProvider(
    provider_id="oidc-1",
    account_id=ACCOUNT,
    url="issuer.example.com/tenant",
    arn=oidc_provider_arn(ACCOUNT, "issuer.example.com/tenant"),
    client_ids=("sts.amazonaws.com", "app"),
    thumbprints=("a" * 40,),
    create_date=T0,
    tags=(Tag("team", "a"), Tag("env", "prod")),
)


def test_create_get_list_change_delete(store: Store) -> None:
    with store.transaction() as tx:
        tx.oidc_providers.create(PROVIDER)
    with store.transaction() as tx:
        assert tx.oidc_providers.get(ACCOUNT, PROVIDER.url) == PROVIDER
        assert tx.oidc_providers.get(ACCOUNT, PROVIDER.url.upper()) is None  # case-sensitive
        assert [p.arn for p in tx.oidc_providers.list(ACCOUNT)] == [PROVIDER.arn]
        assert tx.oidc_providers.list(ACCOUNT)[0].tags == ()
        tx.oidc_providers.set_client_ids(PROVIDER.provider_id, ["x"])
        tx.oidc_providers.set_thumbprints(PROVIDER.provider_id, [])
        tx.oidc_providers.set_tags(PROVIDER.provider_id, [Tag("k", "v")])
    with store.transaction() as tx:
        got = tx.oidc_providers.get(ACCOUNT, PROVIDER.url, for_update=True)
        assert got is not None
        assert (got.client_ids, got.thumbprints, got.tags) == (("x",), (), (Tag("k", "v"),))
        assert tx.oidc_providers.delete(PROVIDER.provider_id)
        assert not tx.oidc_providers.delete(PROVIDER.provider_id)
        assert tx.oidc_providers.get(ACCOUNT, PROVIDER.url) is None


def test_url_is_unique_per_account(store: Store) -> None:
    with store.transaction() as tx:
        tx.oidc_providers.create(PROVIDER)
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.oidc_providers.create(replace(PROVIDER, provider_id="2"))
    other = OTHER_ACCOUNT
    with store.transaction() as tx:
        tx.oidc_providers.create(replace(PROVIDER, provider_id="3", account_id=other, tags=()))
        assert len(tx.oidc_providers.list(other)) == 1


def test_context_provider_is_set_and_cleared(store: Store) -> None:
    context = '{"SubjectSourceKey":"sub","KeyDefinitionList":[]}'
    with store.transaction() as tx:
        tx.oidc_providers.create(replace(PROVIDER, context_provider=context))
    with store.transaction() as tx:
        got = tx.oidc_providers.get(ACCOUNT, PROVIDER.url)
        assert got is not None and got.context_provider == context
        tx.oidc_providers.set_context_provider(PROVIDER.provider_id, None)
    with store.transaction(write=False) as tx:
        got = tx.oidc_providers.get(ACCOUNT, PROVIDER.url)
        assert got is not None and got.context_provider is None
