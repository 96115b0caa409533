"""SAML identity providers and their tags; assertion ids seen (tables in ``schema_saml``).

Names are unique per account without regard to case; ListSAMLProviders has no paging, so the
listing is read whole, ordered by the folded name. Private keys for encrypted assertions are
sealed at rest (AEAD bound to the provider's and the key's ids), like server certificates' keys;
the repository alone unseals them, and only ``get`` reads them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Tag
from rolegate.domain.saml_provider import SamlPrivateKey, SamlProvider
from rolegate.store.dialects import insert_ignoring_duplicates
from rolegate.store.repos.access_keys import SECRETS_PURPOSE, Sealer
from rolegate.store.repos.tags import TagStore
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_saml import (
    saml_assertion_ids,
    saml_provider_private_keys,
    saml_provider_tags,
    saml_providers,
)
from rolegate.store.types import name_key

_p = saml_providers.c
_a = saml_assertion_ids.c
_k = saml_provider_private_keys.c


def _encode_certificates(certificates: Sequence[bytes]) -> str:
    return json.dumps([base64.b64encode(der).decode("ascii") for der in certificates])


def _decode_certificates(text: str) -> tuple[bytes, ...]:
    return tuple(base64.b64decode(item) for item in json.loads(text))


class SamlProviderRepo:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer
        self._tags = TagStore(conn, saml_provider_tags)

    def create(self, provider: SamlProvider) -> None:
        """Insert ``provider``, its tags and private keys; Conflict if the account has the name
        (any case)."""
        certificates = _encode_certificates(provider.certificates)
        values = entity_values(
            provider, saml_providers, name=provider.name, certificates=certificates
        )
        insert_new(self._conn, saml_providers, values, f"SAML provider {provider.name} exists")
        if provider.tags:
            self._tags.replace(provider.provider_id, provider.tags)
        for key in provider.private_keys:
            self.add_private_key(provider.provider_id, key)

    def get(self, account_id: str, name: str, *, for_update: bool = False) -> SamlProvider | None:
        """The provider named ``name`` (any case) with its tags; ``for_update`` locks its row
        (PostgreSQL) so concurrent changes to it wait for this transaction."""
        query = select(saml_providers).where(
            _p.account_id == account_id, _p.name_key == name_key(name)
        )
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        if row is None:
            return None
        keys = self._private_keys(row.provider_id)
        return _provider(row, self._tags.of(row.provider_id), keys)

    def count(self, account_id: str) -> int:
        query = select(func.count()).select_from(saml_providers)
        return int(self._conn.execute(query.where(_p.account_id == account_id)).scalar_one())

    def list(self, account_id: str) -> list[SamlProvider]:
        """Every provider of the account, by folded name, without tags (listings show none)."""
        rows = self._conn.execute(
            select(saml_providers).where(_p.account_id == account_id).order_by(_p.name_key)
        )
        return [_provider(row, ()) for row in rows]

    def update_metadata(
        self,
        provider_id: str,
        *,
        metadata_document: str,
        entity_id: str,
        certificates: Sequence[bytes],
        valid_until: datetime | None,
    ) -> None:
        self._conn.execute(
            update(saml_providers)
            .where(_p.provider_id == provider_id)
            .values(
                metadata_document=metadata_document,
                entity_id=entity_id,
                certificates=_encode_certificates(certificates),
                valid_until=valid_until,
            )
        )

    def set_encryption_mode(self, provider_id: str, mode: str) -> None:
        self._conn.execute(
            update(saml_providers)
            .where(_p.provider_id == provider_id)
            .values(assertion_encryption_mode=mode)
        )

    def add_private_key(self, provider_id: str, key: SamlPrivateKey) -> None:
        sealed = self._sealer.seal(
            key.pem.encode("utf-8"), purpose=SECRETS_PURPOSE, aad=_key_aad(provider_id, key.key_id)
        )
        self._conn.execute(
            saml_provider_private_keys.insert().values(
                key_id=key.key_id,
                provider_id=provider_id,
                timestamp=key.timestamp,
                private_key_sealed=sealed,
            )
        )

    def remove_private_key(self, provider_id: str, key_id: str) -> bool:
        result = self._conn.execute(
            delete(saml_provider_private_keys).where(
                _k.provider_id == provider_id, _k.key_id == key_id
            )
        )
        return bool(result.rowcount)

    def _private_keys(self, provider_id: str) -> tuple[SamlPrivateKey, ...]:
        rows = self._conn.execute(
            select(saml_provider_private_keys)
            .where(_k.provider_id == provider_id)
            .order_by(_k.timestamp, _k.key_id)
        )
        return tuple(
            SamlPrivateKey(
                key_id=row.key_id,
                timestamp=row.timestamp,
                pem=self._sealer.open(
                    row.private_key_sealed,
                    purpose=SECRETS_PURPOSE,
                    aad=_key_aad(provider_id, row.key_id),
                ).decode("utf-8"),
            )
            for row in rows
        )

    def delete(self, provider_id: str) -> bool:
        result = self._conn.execute(delete(saml_providers).where(_p.provider_id == provider_id))
        return bool(result.rowcount)

    def set_tags(self, provider_id: str, tags: Sequence[Tag]) -> None:
        self._tags.replace(provider_id, tags)

    def record_assertion(self, provider_arn: str, assertion_id: str, expires_at: datetime) -> bool:
        """Remember an accepted assertion id until ``expires_at``; False if it is already
        recorded (a replay). Of two concurrent uses exactly one records it (primary key)."""
        stmt = insert_ignoring_duplicates(saml_assertion_ids, self._conn.dialect.name)
        values = {"provider_arn": provider_arn, "assertion_id": assertion_id}
        inserted = self._conn.execute(stmt, {**values, "expires_at": expires_at}).rowcount
        return bool(inserted)

    def purge_assertions(self, before: datetime) -> int:
        """Forget assertion ids whose assertions expired before ``before``."""
        result = self._conn.execute(delete(saml_assertion_ids).where(_a.expires_at < before))
        return int(result.rowcount or 0)


def _key_aad(provider_id: str, key_id: str) -> bytes:
    return f"saml-private-key:{provider_id}:{key_id}".encode()


def _provider(
    row: Any, tags: tuple[Tag, ...], keys: tuple[SamlPrivateKey, ...] = ()
) -> SamlProvider:
    certificates = _decode_certificates(row.certificates)
    return entity_from_row(
        SamlProvider, row, certificates=certificates, tags=tags, private_keys=keys
    )
