"""Each account's latest credential report (``schema_credentials.credential_reports``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from rolegate.store.dialects import upsert
from rolegate.store.schema_credentials import credential_reports


class CredentialReportRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, account_id: str) -> tuple[datetime, str] | None:
        """The report's generation time and CSV text, if the account has one."""
        t = credential_reports.c
        row = self._conn.execute(
            select(t.generated_time, t.content).where(t.account_id == account_id)
        ).first()
        return None if row is None else (row.generated_time, row.content)

    def put(self, account_id: str, generated_time: datetime, content: str) -> None:
        """Replace the account's report (the newest generation wins)."""
        stmt = upsert(
            credential_reports,
            self._conn.dialect.name,
            ("account_id",),
            ("generated_time", "content"),
        )
        self._conn.execute(
            stmt,
            {"account_id": account_id, "generated_time": generated_time, "content": content},
        )
