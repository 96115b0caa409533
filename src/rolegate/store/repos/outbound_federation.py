"""Outbound web identity federation: an account's issuer and its signing keys (tables in
``schema_outbound``). Private keys are sealed at rest with the store's ``Sealer``, bound to the
key id, as access key secrets are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.outbound_federation import OutboundIssuer, SigningKey
from rolegate.store.prepared import Prepared
from rolegate.store.repos.access_keys import SECRETS_PURPOSE, Sealer
from rolegate.store.rows import insert_new
from rolegate.store.schema_outbound import outbound_issuers, outbound_signing_keys

_i = outbound_issuers.c
_k = outbound_signing_keys.c
# GetWebIdentityToken's one read: the issuer and its active key of one algorithm (hot: prepared).
_SIGNING_STATE = Prepared(
    select(_i.account_id, _i.issuer_id, _i.enabled, _i.create_date, _k.key_id, _k.private_sealed)
    .select_from(
        outbound_issuers.outerjoin(
            outbound_signing_keys,
            and_(
                _k.account_id == _i.account_id,
                _k.algorithm == bindparam("algorithm"),
                _k.retire_date.is_(None),
            ),
        )
    )
    .where(_i.account_id == bindparam("account_id"))
)


@dataclass(frozen=True, slots=True)
class SigningState:
    """What GetWebIdentityToken reads in one query: the issuer and its active key of one
    algorithm (``key_id`` None when it has none), the private key still sealed."""

    issuer: OutboundIssuer
    key_id: str | None
    private_sealed: bytes | None


class OutboundFederationRepo:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def issuer(self, account_id: str, *, for_update: bool = False) -> OutboundIssuer | None:
        query = select(outbound_issuers).where(_i.account_id == account_id)
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _issuer(row)

    def issuer_by_id(self, issuer_id: str) -> OutboundIssuer | None:
        row = self._conn.execute(select(outbound_issuers).where(_i.issuer_id == issuer_id)).first()
        return None if row is None else _issuer(row)

    def create_issuer(self, issuer: OutboundIssuer) -> None:
        """Conflict when the account already has one (a concurrent Enable won)."""
        values = {
            "account_id": issuer.account_id,
            "issuer_id": issuer.issuer_id,
            "enabled": issuer.enabled,
            "create_date": issuer.create_date,
        }
        insert_new(self._conn, outbound_issuers, values, f"issuer of {issuer.account_id} exists")

    def set_enabled(self, account_id: str, enabled: bool) -> bool:
        """False when the account has no issuer, or it already was as asked."""
        result = self._conn.execute(
            update(outbound_issuers)
            .where(_i.account_id == account_id, _i.enabled != enabled)
            .values(enabled=enabled)
        )
        return bool(result.rowcount)

    def signing_state(self, account_id: str, algorithm: str) -> SigningState | None:
        """The account's issuer and its active ``algorithm`` key; None without an issuer."""
        row = _SIGNING_STATE.first(self._conn, {"account_id": account_id, "algorithm": algorithm})
        if row is None:
            return None
        sealed = None if row.private_sealed is None else bytes(row.private_sealed)
        return SigningState(_issuer(row), row.key_id, sealed)

    def open_private_key(self, key_id: str, sealed: bytes) -> bytes:
        """The PKCS#8 DER of a key that ``signing_state`` returned sealed."""
        return self._sealer.open(sealed, purpose=SECRETS_PURPOSE, aad=key_id.encode())

    def keys(self, account_id: str) -> list[SigningKey]:
        """Every key of the account, oldest first."""
        rows = self._conn.execute(
            select(outbound_signing_keys)
            .where(_k.account_id == account_id)
            .order_by(_k.create_date, _k.key_id)
        )
        return [_key(row) for row in rows]

    def add_key(self, key: SigningKey, private_der: bytes) -> None:
        sealed = self._sealer.seal(private_der, purpose=SECRETS_PURPOSE, aad=key.key_id.encode())
        values = {
            "key_id": key.key_id,
            "account_id": key.account_id,
            "algorithm": key.algorithm,
            "private_sealed": sealed,
            "public_jwk": key.public_jwk,
            "create_date": key.create_date,
            "retire_date": key.retire_date,
        }
        insert_new(self._conn, outbound_signing_keys, values, f"key {key.key_id} exists")

    def retire_active(self, account_id: str, algorithm: str, when: datetime) -> None:
        self._conn.execute(
            update(outbound_signing_keys)
            .where(
                _k.account_id == account_id,
                _k.algorithm == algorithm,
                _k.retire_date.is_(None),
            )
            .values(retire_date=when)
        )

    def delete_retired_before(self, account_id: str, cutoff: datetime) -> int:
        """Drop keys retired before ``cutoff``: no live token can carry their signature."""
        result = self._conn.execute(
            delete(outbound_signing_keys).where(
                _k.account_id == account_id, _k.retire_date < cutoff
            )
        )
        return int(result.rowcount)


def _issuer(row: Any) -> OutboundIssuer:
    return OutboundIssuer(row.account_id, row.issuer_id, bool(row.enabled), row.create_date)


def _key(row: Any) -> SigningKey:
    return SigningKey(
        key_id=row.key_id,
        account_id=row.account_id,
        algorithm=row.algorithm,
        public_jwk=row.public_jwk,
        create_date=row.create_date,
        retire_date=row.retire_date,
    )
