"""Virtual MFA devices. Seeds are sealed at rest (AEAD bound to the serial number); a device is
enabled for at most one user (``user_name``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Tag
from rolegate.domain.mfa import MfaAttempts, MfaDevice
from rolegate.store.repos.access_keys import SECRETS_PURPOSE, Sealer
from rolegate.store.rows import insert_new
from rolegate.store.schema_mfa import mfa_devices


class MfaDeviceRepo:
    def __init__(self, conn: Connection, sealer: Sealer) -> None:
        self._conn = conn
        self._sealer = sealer

    def create(self, device: MfaDevice) -> None:
        """Insert ``device``; raises Conflict if its serial number exists."""
        values = {
            "serial_number": device.serial_number,
            "account_id": device.account_id,
            "device_name": device.device_name,
            "path": device.path,
            "seed_sealed": self._sealer.seal(
                device.seed.encode("ascii"),
                purpose=SECRETS_PURPOSE,
                aad=device.serial_number.encode("utf-8"),
            ),
            "create_date": device.create_date,
            "user_name": device.user_name,
            "enable_date": device.enable_date,
            "last_used_step": device.last_used_step,
            "tags_json": json.dumps([[t.key, t.value] for t in device.tags]),
        }
        insert_new(self._conn, mfa_devices, values, f"MFA device {device.serial_number} exists")

    def get(self, serial_number: str) -> MfaDevice | None:
        query = select(mfa_devices).where(mfa_devices.c.serial_number == serial_number)
        row = self._conn.execute(query).first()
        return None if row is None else self._device(row)

    def list_for_user(self, account_id: str, user_name: str) -> list[MfaDevice]:
        """Devices enabled for the user, oldest enablement first."""
        query = (
            select(mfa_devices)
            .where(mfa_devices.c.account_id == account_id, mfa_devices.c.user_name == user_name)
            .order_by(mfa_devices.c.enable_date, mfa_devices.c.serial_number)
        )
        return [self._device(row) for row in self._conn.execute(query)]

    def list_for_account(self, account_id: str) -> list[MfaDevice]:
        query = (
            select(mfa_devices)
            .where(mfa_devices.c.account_id == account_id)
            .order_by(mfa_devices.c.serial_number)
        )
        return [self._device(row) for row in self._conn.execute(query)]

    def set_user(
        self, serial_number: str, user_name: str | None, enable_date: datetime | None
    ) -> None:
        """Enable the device for ``user_name`` (None: deactivate it)."""
        self._conn.execute(
            update(mfa_devices)
            .where(mfa_devices.c.serial_number == serial_number)
            .values(user_name=user_name, enable_date=enable_date)
        )

    def advance_step(self, serial_number: str, step: int) -> bool:
        """Record ``step`` as used; False if it (or a later one) was used already. Atomic, so
        two requests racing with the same code cannot both succeed."""
        table = mfa_devices
        result = self._conn.execute(
            update(table)
            .where(
                table.c.serial_number == serial_number,
                (table.c.last_used_step.is_(None)) | (table.c.last_used_step < step),
            )
            .values(last_used_step=step)
        )
        return result.rowcount > 0

    def lock_attempts(self, serial_number: str) -> MfaAttempts | None:
        """The device's wrong-code count, its row locked until the transaction ends (None: no
        such device): checks of one device's codes take turns, on every node. PostgreSQL locks
        the row (``FOR UPDATE``); SQLite has one writer at a time, and codes are only checked in
        write transactions (server.pipeline)."""
        query = (
            select(mfa_devices.c.failed_attempts, mfa_devices.c.locked_until)
            .where(mfa_devices.c.serial_number == serial_number)
            .with_for_update()
        )
        row = self._conn.execute(query).first()
        return None if row is None else MfaAttempts(row.failed_attempts, row.locked_until)

    def set_attempts(self, serial_number: str, attempts: MfaAttempts) -> None:
        self._conn.execute(
            update(mfa_devices)
            .where(mfa_devices.c.serial_number == serial_number)
            .values(failed_attempts=attempts.failures, locked_until=attempts.locked_until)
        )

    def set_tags(self, serial_number: str, tags: Sequence[Tag]) -> None:
        """Replace all tags of the device, keeping the given order."""
        self._conn.execute(
            update(mfa_devices)
            .where(mfa_devices.c.serial_number == serial_number)
            .values(tags_json=json.dumps([[t.key, t.value] for t in tags]))
        )

    def delete(self, serial_number: str) -> bool:
        query = delete(mfa_devices).where(mfa_devices.c.serial_number == serial_number)
        return self._conn.execute(query).rowcount > 0

    def _device(self, row: Any) -> MfaDevice:
        seed = self._sealer.open(
            row.seed_sealed, purpose=SECRETS_PURPOSE, aad=row.serial_number.encode("utf-8")
        ).decode("ascii")
        return MfaDevice(
            account_id=row.account_id,
            serial_number=row.serial_number,
            device_name=row.device_name,
            path=row.path,
            seed=seed,
            create_date=row.create_date,
            user_name=row.user_name,
            enable_date=row.enable_date,
            last_used_step=row.last_used_step,
            tags=tuple(Tag(k, v) for k, v in json.loads(row.tags_json)),
        )
