"""The identity-provider quotas (100 OIDC and 100 SAML providers per account) are counted under
the account's lock, as the other account-wide quotas: two creates racing for the last place
cannot both pass. On SQLite and PostgreSQL; the service functions on real transactions."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import timedelta

from store_helpers import ACCOUNT, T0

from rolegate.domain.entities import Account
from rolegate.domain.errors import LimitExceeded
from rolegate.domain.oidc_provider import OidcProvider, oidc_provider_arn
from rolegate.domain.saml_provider import SamlProvider
from rolegate.services.iam.providers import saml as saml_providers
from rolegate.services.iam.providers.oidc import MAX_PROVIDERS_PER_ACCOUNT, add_oidc_provider
from rolegate.store import Store, Tx
from saml_idp import SigningKey, metadata_document


def _fill(store: Store) -> None:
    """The account with 99 OIDC and 99 SAML providers."""
    with store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        for n in range(MAX_PROVIDERS_PER_ACCOUNT - 1):
            url = f"idp{n}.example.com"
            arn = oidc_provider_arn(ACCOUNT, url)
            tx.oidc_providers.create(OidcProvider(f"OIDC{n}", ACCOUNT, url, arn, (), (), T0))
        for n in range(saml_providers.MAX_PROVIDERS_PER_ACCOUNT - 1):
            name, document = f"idp{n}", "<metadata/>"
            arn = saml_providers.saml_provider_arn(ACCOUNT, name)
            provider = SamlProvider(f"SAML{n}", ACCOUNT, name, arn, document, name, (), T0, None)
            tx.saml_providers.create(provider)


def _race_for_the_last_place(store: Store, create: Callable[[Tx, int], object]) -> list[str]:
    """The first transaction creates and holds its transaction open; the second starts its
    create meanwhile, and must wait for the first one's commit, then count 100."""
    first_created = threading.Event()
    outcomes = ["", ""]

    def first() -> None:
        with store.transaction() as tx:
            create(tx, 0)
            first_created.set()
            threading.Event().wait(0.5)  # hold the lock while the second one tries
        outcomes[0] = "created"

    def second() -> None:
        first_created.wait(10)
        try:
            with store.transaction() as tx:
                create(tx, 1)
        except LimitExceeded as error:
            outcomes[1] = error.message
        else:
            outcomes[1] = "created"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_oidc_providers_racing_for_the_last_place(store: Store) -> None:
    _fill(store)

    def create(tx: Tx, n: int) -> object:
        now = T0 + timedelta(seconds=n)
        return add_oidc_provider(tx, ACCOUNT, f"https://race{n}.example.com", [], [], now, RNG)

    assert _race_for_the_last_place(store, create) == [
        "created",
        "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100",
    ]
    with store.transaction() as tx:
        assert len(tx.oidc_providers.list(ACCOUNT)) == MAX_PROVIDERS_PER_ACCOUNT


def test_two_saml_providers_racing_for_the_last_place(store: Store) -> None:
    _fill(store)
    document = metadata_document("https://idp.example.com", [SigningKey.generate()])

    def create(tx: Tx, n: int) -> object:
        now = T0 + timedelta(seconds=n)
        return saml_providers.add_saml_provider(tx, ACCOUNT, f"race{n}", document, now, RNG)

    assert _race_for_the_last_place(store, create) == [
        "created",
        "Cannot exceed quota for SAMLProvidersPerAccount: 100",
    ]
    with store.transaction() as tx:
        assert tx.saml_providers.count(ACCOUNT) == saml_providers.MAX_PROVIDERS_PER_ACCOUNT


RNG = random.Random(7)
