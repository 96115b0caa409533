"""Long-term access keys. Secrets are sealed at rest (AEAD bound to the key id)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.entities import AccessKey
from rolegate.store.dialects import insert_ignoring_duplicates
from rolegate.store.errors import Conflict
from rolegate.store.schema import access_keys

SECRETS_PURPOSE = "secrets-at-rest"


_BY_ID = select(access_keys).where(access_keys.c.access_key_id == bindparam("access_key_id"))


class Sealer(Protocol):
    """Authenticated encryption for secrets at rest (implemented by ``rolegate.auth.keyring``)."""

    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes: ...

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes: ...


class AccessKeyRepo:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def create(self, key: AccessKey) -> None:
        """Insert ``key`` with its secret sealed; raises Conflict if the key id exists."""
        sealed = self._sealer.seal(
            key.secret_access_key.encode(),
            purpose=SECRETS_PURPOSE,
            aad=key.access_key_id.encode(),
        )
        stmt = insert_ignoring_duplicates(access_keys, self._conn.dialect.name)
        values = {
            "access_key_id": key.access_key_id,
            "account_id": key.account_id,
            "user_name": key.user_name,
            "status": key.status,
            "create_date": key.create_date,
            "secret_sealed": sealed,
        }
        if self._conn.execute(stmt, values).rowcount == 0:
            raise Conflict(f"access key {key.access_key_id} exists")

    def get(self, access_key_id: str) -> AccessKey | None:
        row = self._conn.execute(_BY_ID, {"access_key_id": access_key_id}).first()
        return None if row is None else self._key(row)

    def list_for(self, account_id: str, user_name: str | None) -> list[AccessKey]:
        """Keys of one user (``None``: the root user), oldest first."""
        owner = (
            access_keys.c.user_name.is_(None)
            if user_name is None
            else access_keys.c.user_name == user_name
        )
        rows = self._conn.execute(
            select(access_keys)
            .where(access_keys.c.account_id == account_id, owner)
            .order_by(access_keys.c.create_date, access_keys.c.access_key_id)
        )
        return [self._key(row) for row in rows]

    def set_status(self, access_key_id: str, status: str) -> bool:
        """Set ``Active``/``Inactive``; False if the key does not exist."""
        result = self._conn.execute(
            update(access_keys)
            .where(access_keys.c.access_key_id == access_key_id)
            .values(status=status)
        )
        return result.rowcount > 0

    def delete(self, access_key_id: str) -> bool:
        result = self._conn.execute(
            delete(access_keys).where(access_keys.c.access_key_id == access_key_id)
        )
        return result.rowcount > 0

    def _key(self, row: Any) -> AccessKey:
        secret = self._sealer.open(
            bytes(row.secret_sealed), purpose=SECRETS_PURPOSE, aad=row.access_key_id.encode()
        )
        return AccessKey(
            access_key_id=row.access_key_id,
            secret_access_key=secret.decode(),
            account_id=row.account_id,
            user_name=row.user_name,
            status=row.status,
            create_date=row.create_date,
        )
