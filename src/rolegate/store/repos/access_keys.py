"""Long-term access keys. Secrets are sealed at rest (AEAD bound to the key id).

Last use (GetAccessKeyLastUsed) is kept to the minute, like AWS's answers
(``2015-03-13T10:45:00Z``), so a key used all the time writes at most once a minute per
service and region; the write is best-effort and never fails the request that used the key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from rolegate.domain.entities import AccessKey
from rolegate.store.dialects import best_effort_write
from rolegate.store.prepared import Prepared
from rolegate.store.rows import insert_new
from rolegate.store.schema import access_keys

SECRETS_PURPOSE = "secrets-at-rest"


_BY_ID = Prepared(
    select(access_keys).where(access_keys.c.access_key_id == bindparam("access_key_id"))
)
_RECORD_USE = (
    update(access_keys)
    .where(access_keys.c.access_key_id == bindparam("key_id"))
    .values(
        last_used_date=bindparam("last_used_date"),
        last_used_service=bindparam("last_used_service"),
        last_used_region=bindparam("last_used_region"),
    )
)


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
        values = {
            "access_key_id": key.access_key_id,
            "account_id": key.account_id,
            "user_name": key.user_name,
            "status": key.status,
            "create_date": key.create_date,
            "secret_sealed": sealed,
        }
        insert_new(self._conn, access_keys, values, f"access key {key.access_key_id} exists")

    def get(self, access_key_id: str) -> AccessKey | None:
        row = _BY_ID.first(self._conn, {"access_key_id": access_key_id})
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

    def list_for_account(self, account_id: str) -> list[AccessKey]:
        """Every key of the account (the root user's too), oldest first."""
        rows = self._conn.execute(
            select(access_keys)
            .where(access_keys.c.account_id == account_id)
            .order_by(access_keys.c.create_date, access_keys.c.access_key_id)
        )
        return [self._key(row) for row in rows]

    def count_for(self, account_id: str, user_name: str) -> int:
        query = (
            select(func.count())
            .select_from(access_keys)
            .where(access_keys.c.account_id == account_id, access_keys.c.user_name == user_name)
        )
        return int(self._conn.execute(query).scalar_one())

    def rename_user(self, account_id: str, old_name: str, new_name: str) -> None:
        """Keys follow their user through UpdateUser's NewUserName."""
        self._conn.execute(
            update(access_keys)
            .where(access_keys.c.account_id == account_id, access_keys.c.user_name == old_name)
            .values(user_name=new_name)
        )

    def record_use(self, key: AccessKey, when: datetime, service: str, region: str) -> bool:
        """Note that ``key`` signed a request for ``service`` in ``region`` at ``when``; whether
        it tried to write.

        Writes at most once a minute (the date is kept to the minute, as AWS shows it), with the
        service and region of the first request of that minute: a client that calls IAM and STS
        in turn with one key would otherwise write at every request, and every last-used write
        empties the read caches of every process (``store.freshness``). The write runs in a
        savepoint and a failure is ignored: inside a read-only SQLite transaction another writer
        may hold the lock, and losing one last-used update is better than failing the request.
        """
        minute = when.replace(second=0, microsecond=0)
        if key.last_used_date == minute:
            return False
        try:
            with best_effort_write(self._conn):
                self._conn.execute(
                    _RECORD_USE,
                    {
                        "key_id": key.access_key_id,
                        "last_used_date": minute,
                        "last_used_service": service,
                        "last_used_region": region,
                    },
                )
        except sa_exc.OperationalError:
            pass
        return True

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
            last_used_date=row.last_used_date,
            last_used_service=row.last_used_service,
            last_used_region=row.last_used_region,
        )
