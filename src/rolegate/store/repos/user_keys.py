"""A user's SSH public keys and signing certificates (``schema_credentials``): a handful per
user (5 and 2), read whole and ordered by upload."""

from __future__ import annotations

from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.credentials import SigningCertificate, SshPublicKey
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_credentials import signing_certificates, ssh_public_keys


def _set_status(conn: Connection, table: Table, key: str, entity_id: str, status: str) -> None:
    conn.execute(update(table).where(table.c[key] == entity_id).values(status=status))


def _delete(conn: Connection, table: Table, key: str, entity_id: str) -> bool:
    return conn.execute(delete(table).where(table.c[key] == entity_id)).rowcount > 0


class SshPublicKeyRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, key: SshPublicKey) -> None:
        """Insert ``key``; Conflict if its id exists or the user has its fingerprint."""
        values = entity_values(key, ssh_public_keys)
        insert_new(self._conn, ssh_public_keys, values, "SSH public key exists")

    def get(self, key_id: str) -> SshPublicKey | None:
        t = ssh_public_keys
        row = self._conn.execute(select(t).where(t.c.ssh_public_key_id == key_id)).first()
        return None if row is None else entity_from_row(SshPublicKey, row)

    def list_for_user(self, user_id: str) -> list[SshPublicKey]:
        t = ssh_public_keys
        query = (
            select(t).where(t.c.user_id == user_id).order_by(t.c.upload_date, t.c.ssh_public_key_id)
        )
        return [entity_from_row(SshPublicKey, row) for row in self._conn.execute(query)]

    def list_for_account(self, account_id: str) -> list[SshPublicKey]:
        t = ssh_public_keys
        query = select(t).where(t.c.account_id == account_id)
        return [entity_from_row(SshPublicKey, row) for row in self._conn.execute(query)]

    def set_status(self, key_id: str, status: str) -> None:
        _set_status(self._conn, ssh_public_keys, "ssh_public_key_id", key_id, status)

    def delete(self, key_id: str) -> bool:
        return _delete(self._conn, ssh_public_keys, "ssh_public_key_id", key_id)


class SigningCertificateRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, certificate: SigningCertificate) -> None:
        """Insert ``certificate``; Conflict if its id exists or the account has it already."""
        values = entity_values(certificate, signing_certificates)
        insert_new(self._conn, signing_certificates, values, "signing certificate exists")

    def get(self, certificate_id: str) -> SigningCertificate | None:
        t = signing_certificates
        row = self._conn.execute(select(t).where(t.c.certificate_id == certificate_id)).first()
        return None if row is None else entity_from_row(SigningCertificate, row)

    def find(self, account_id: str, der_sha256: str) -> SigningCertificate | None:
        t = signing_certificates
        query = select(t).where(t.c.account_id == account_id, t.c.der_sha256 == der_sha256)
        row = self._conn.execute(query).first()
        return None if row is None else entity_from_row(SigningCertificate, row)

    def list_for(self, account_id: str, user_id: str | None) -> list[SigningCertificate]:
        """The certificates of ``user_id`` (None: the root user's), oldest first."""
        t = signing_certificates
        owner = t.c.user_id.is_(None) if user_id is None else t.c.user_id == user_id
        query = (
            select(t)
            .where(t.c.account_id == account_id, owner)
            .order_by(t.c.upload_date, t.c.certificate_id)
        )
        return [entity_from_row(SigningCertificate, row) for row in self._conn.execute(query)]

    def list_for_account(self, account_id: str) -> list[SigningCertificate]:
        t = signing_certificates
        query = select(t).where(t.c.account_id == account_id)
        return [entity_from_row(SigningCertificate, row) for row in self._conn.execute(query)]

    def set_status(self, certificate_id: str, status: str) -> None:
        _set_status(self._conn, signing_certificates, "certificate_id", certificate_id, status)

    def delete(self, certificate_id: str) -> bool:
        return _delete(self._conn, signing_certificates, "certificate_id", certificate_id)
