"""Login profiles: a user's console password, as an argon2id hash (``schema_credentials``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from rolegate.domain.credentials import LoginProfile
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_credentials import login_profiles


class LoginProfileRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, profile: LoginProfile) -> None:
        """Insert ``profile``; Conflict if the user has one already."""
        insert_new(self._conn, login_profiles, _values(profile), "login profile exists")

    def get(self, user_id: str) -> LoginProfile | None:
        query = select(login_profiles).where(login_profiles.c.user_id == user_id)
        row = self._conn.execute(query).first()
        return None if row is None else _profile(row)

    def list_for_account(self, account_id: str) -> list[LoginProfile]:
        query = select(login_profiles).where(login_profiles.c.account_id == account_id)
        return [_profile(row) for row in self._conn.execute(query)]

    def replace(self, profile: LoginProfile) -> None:
        """Write every field of ``profile`` over the user's row."""
        values = _values(profile)
        del values["user_id"]
        self._conn.execute(
            update(login_profiles)
            .where(login_profiles.c.user_id == profile.user_id)
            .values(**values)
        )

    def record_sign_in(self, user_id: str, when: datetime) -> None:
        self._conn.execute(
            update(login_profiles)
            .where(login_profiles.c.user_id == user_id)
            .values(password_last_used=when)
        )

    def delete(self, user_id: str) -> bool:
        query = delete(login_profiles).where(login_profiles.c.user_id == user_id)
        return self._conn.execute(query).rowcount > 0


def _values(profile: LoginProfile) -> dict[str, Any]:
    return entity_values(
        profile, login_profiles, previous_hashes=json.dumps(list(profile.previous_hashes))
    )


def _profile(row: Any) -> LoginProfile:
    return entity_from_row(
        LoginProfile, row, previous_hashes=tuple(json.loads(row.previous_hashes))
    )
