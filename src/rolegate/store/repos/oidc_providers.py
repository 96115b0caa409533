"""OpenID Connect identity providers and their tags (tables in ``schema_oidc``).

Looked up by (account, URL) — the ARN carries both — on the unique index. ListOpenIDConnectProviders
has no paging, so the listing is read whole, ordered by URL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Tag
from rolegate.domain.oidc_provider import OidcProvider
from rolegate.store.repos.tags import TagStore
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_oidc import oidc_provider_tags, oidc_providers

_p = oidc_providers.c


class OidcProviderRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tags = TagStore(conn, oidc_provider_tags)

    def create(self, provider: OidcProvider) -> None:
        """Insert ``provider`` and its tags; Conflict if the account has the URL."""
        values = entity_values(
            provider,
            oidc_providers,
            client_ids=json.dumps(list(provider.client_ids)),
            thumbprints=json.dumps(list(provider.thumbprints)),
        )
        insert_new(self._conn, oidc_providers, values, f"OIDC provider {provider.url} exists")
        if provider.tags:
            self._tags.replace(provider.provider_id, provider.tags)

    def get(
        self, account_id: str, url: str, *, for_update: bool = False, with_tags: bool = True
    ) -> OidcProvider | None:
        """The provider of ``url`` (without scheme, exact case); ``for_update`` locks its row
        (PostgreSQL) so that concurrent changes to its lists wait for this transaction."""
        query = select(oidc_providers).where(_p.account_id == account_id, _p.url == url)
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        if row is None:
            return None
        return _provider(row, self._tags.of(row.provider_id) if with_tags else ())

    def list(self, account_id: str) -> list[OidcProvider]:
        """Every provider of the account, by URL, without tags."""
        rows = self._conn.execute(
            select(oidc_providers).where(_p.account_id == account_id).order_by(_p.url)
        )
        return [_provider(row, ()) for row in rows]

    def set_client_ids(self, provider_id: str, client_ids: Sequence[str]) -> None:
        self._set(provider_id, client_ids=json.dumps(list(client_ids)))

    def set_thumbprints(self, provider_id: str, thumbprints: Sequence[str]) -> None:
        self._set(provider_id, thumbprints=json.dumps(list(thumbprints)))

    def set_context_provider(self, provider_id: str, context_provider: str | None) -> None:
        self._conn.execute(
            update(oidc_providers)
            .where(_p.provider_id == provider_id)
            .values(context_provider=context_provider)
        )

    def delete(self, provider_id: str) -> bool:
        result = self._conn.execute(delete(oidc_providers).where(_p.provider_id == provider_id))
        return bool(result.rowcount)

    def set_tags(self, provider_id: str, tags: Sequence[Tag]) -> None:
        self._tags.replace(provider_id, tags)

    def _set(self, provider_id: str, **values: str) -> None:
        self._conn.execute(
            update(oidc_providers).where(_p.provider_id == provider_id).values(**values)
        )


def _provider(row: Any, tags: tuple[Tag, ...]) -> OidcProvider:
    return entity_from_row(
        OidcProvider,
        row,
        client_ids=tuple(json.loads(row.client_ids)),
        thumbprints=tuple(json.loads(row.thumbprints)),
        tags=tags,
    )
