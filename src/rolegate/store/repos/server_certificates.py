"""Server certificates (``schema_certificates``): at most a thousand per account, read whole.
Private keys are sealed at rest (AEAD bound to the certificate's id), like secret access keys;
the repository alone unseals them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Tag
from rolegate.domain.server_certificate import ServerCertificate
from rolegate.store.repos.access_keys import SECRETS_PURPOSE, Sealer
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_certificates import server_certificates as _t


def _tags_json(tags: Sequence[Tag]) -> str:
    return json.dumps([[t.key, t.value] for t in tags])


class ServerCertificateRepo:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def create(self, cert: ServerCertificate) -> None:
        """Insert ``cert``; Conflict if its id or its name in the account exists."""
        sealed = self._sealer.seal(
            cert.private_key.encode("utf-8"),
            purpose=SECRETS_PURPOSE,
            aad=cert.server_certificate_id.encode("utf-8"),
        )
        values = entity_values(cert, _t, private_key_sealed=sealed, tags_json=_tags_json(cert.tags))
        insert_new(self._conn, _t, values, f"server certificate {cert.server_certificate_name}")

    def get(self, account_id: str, name: str) -> ServerCertificate | None:
        t = _t.c
        query = select(_t).where(t.account_id == account_id, t.server_certificate_name == name)
        row = self._conn.execute(query).first()
        return None if row is None else self._certificate(row)

    def list(self, account_id: str, path_prefix: str = "/") -> list[ServerCertificate]:
        """The account's certificates under ``path_prefix``, by name."""
        query = (
            select(_t)
            .where(
                _t.c.account_id == account_id,
                _t.c.path.startswith(path_prefix, autoescape=True),
            )
            .order_by(_t.c.server_certificate_name)
        )
        return [self._certificate(row) for row in self._conn.execute(query)]

    def count(self, account_id: str) -> int:
        query = select(func.count()).select_from(_t).where(_t.c.account_id == account_id)
        return int(self._conn.execute(query).scalar_one())

    def rename(self, certificate_id: str, name: str, path: str, arn: str) -> None:
        """Give the certificate a new name and path (the caller checked the name is free while
        holding the account's lock)."""
        self._conn.execute(
            update(_t)
            .where(_t.c.server_certificate_id == certificate_id)
            .values(server_certificate_name=name, path=path, arn=arn)
        )

    def set_tags(self, certificate_id: str, tags: Sequence[Tag]) -> None:
        """Replace all tags of the certificate, keeping the given order."""
        self._conn.execute(
            update(_t)
            .where(_t.c.server_certificate_id == certificate_id)
            .values(tags_json=_tags_json(tags))
        )

    def delete(self, certificate_id: str) -> bool:
        query = delete(_t).where(_t.c.server_certificate_id == certificate_id)
        return self._conn.execute(query).rowcount > 0

    def _certificate(self, row: Any) -> ServerCertificate:
        key = self._sealer.open(
            row.private_key_sealed,
            purpose=SECRETS_PURPOSE,
            aad=row.server_certificate_id.encode("utf-8"),
        ).decode("utf-8")
        tags = tuple(Tag(k, v) for k, v in json.loads(row.tags_json))
        return entity_from_row(ServerCertificate, row, private_key=key, tags=tags)
