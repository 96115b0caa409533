"""Service last accessed data and its report jobs (``schema_last_accessed``).

``record`` is a best-effort upsert, like RoleLastUsed: it runs in requests that may be read-only,
and losing one update is better than failing the request that caused it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exc as sa_exc
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from rolegate.domain.last_accessed import LastAccessedJob, ServiceUse
from rolegate.store.dialects import best_effort_write, upsert
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema_last_accessed import last_accessed_jobs, service_last_accessed

_KEY = ("principal_id", "service_namespace", "action_name")
_CHANGING = ("account_id", "principal_arn", "last_authenticated", "region")


class LastAccessedRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, uses: Sequence[ServiceUse]) -> bool:
        """Upsert each use (the service's row and the action's). Best effort, in a savepoint:
        False when another writer held the database and nothing was written."""
        stmt = upsert(service_last_accessed, self._conn.dialect.name, _KEY, _CHANGING)
        try:
            with best_effort_write(self._conn):
                for use in uses:
                    self._conn.execute(stmt, entity_values(use, service_last_accessed))
        except sa_exc.OperationalError:
            return False
        return True

    def for_principals(self, principal_ids: Sequence[str]) -> list[ServiceUse]:
        """Every recorded use of these principals."""
        if not principal_ids:
            return []
        t = service_last_accessed
        query = select(t).where(t.c.principal_id.in_(list(principal_ids)))
        return [entity_from_row(ServiceUse, row) for row in self._conn.execute(query)]

    def create_job(self, job: LastAccessedJob) -> None:
        values = entity_values(job, last_accessed_jobs)
        insert_new(self._conn, last_accessed_jobs, values, f"job {job.job_id} exists")

    def get_job(self, job_id: str) -> LastAccessedJob | None:
        t = last_accessed_jobs
        row = self._conn.execute(select(t).where(t.c.job_id == job_id)).first()
        return None if row is None else entity_from_row(LastAccessedJob, row)

    def complete_job(self, job: LastAccessedJob) -> None:
        t = last_accessed_jobs
        self._conn.execute(
            update(t)
            .where(t.c.job_id == job.job_id)
            .values(completion_date=job.completion_date, report_json=job.report_json)
        )
