"""Service-specific credentials (``schema_credentials``). Passwords are sealed at rest (AEAD bound
to the credential id), like secret access keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.credentials import ServiceSpecificCredential
from rolegate.store.repos.access_keys import SECRETS_PURPOSE, Sealer
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_credentials import service_specific_credentials as _t


class ServiceCredentialRepo:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def create(self, credential: ServiceSpecificCredential) -> None:
        """Insert ``credential``; Conflict if its id exists."""
        values = entity_values(
            credential, _t, password_sealed=self._seal(credential, credential.service_password)
        )
        insert_new(self._conn, _t, values, f"credential {credential.credential_id} exists")

    def get(self, credential_id: str) -> ServiceSpecificCredential | None:
        row = self._conn.execute(select(_t).where(_t.c.credential_id == credential_id)).first()
        return None if row is None else self._credential(row)

    def list(
        self, account_id: str, user_id: str | None, service_name: str | None = None
    ) -> list[ServiceSpecificCredential]:
        """The user's credentials (``user_id`` None: every user's in the account), optionally of
        one service, oldest first."""
        query = select(_t).where(_t.c.account_id == account_id)
        if user_id is not None:
            query = query.where(_t.c.user_id == user_id)
        if service_name is not None:
            query = query.where(_t.c.service_name == service_name)
        query = query.order_by(_t.c.create_date, _t.c.credential_id)
        return [self._credential(row) for row in self._conn.execute(query)]

    def set_status(self, credential_id: str, status: str) -> None:
        self._conn.execute(
            update(_t).where(_t.c.credential_id == credential_id).values(status=status)
        )

    def set_password(self, credential: ServiceSpecificCredential, password: str) -> None:
        self._conn.execute(
            update(_t)
            .where(_t.c.credential_id == credential.credential_id)
            .values(password_sealed=self._seal(credential, password))
        )

    def delete(self, credential_id: str) -> bool:
        return (
            self._conn.execute(delete(_t).where(_t.c.credential_id == credential_id)).rowcount > 0
        )

    def _seal(self, credential: ServiceSpecificCredential, password: str) -> bytes:
        return self._sealer.seal(
            password.encode("utf-8"),
            purpose=SECRETS_PURPOSE,
            aad=credential.credential_id.encode("utf-8"),
        )

    def _credential(self, row: Any) -> ServiceSpecificCredential:
        password = self._sealer.open(
            row.password_sealed, purpose=SECRETS_PURPOSE, aad=row.credential_id.encode("utf-8")
        ).decode("utf-8")
        return entity_from_row(ServiceSpecificCredential, row, service_password=password)
