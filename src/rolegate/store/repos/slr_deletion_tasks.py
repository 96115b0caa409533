"""Service-linked role deletion tasks: what DeleteServiceLinkedRole started and
GetServiceLinkedRoleDeletionStatus reports."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from rolegate.domain.instance_profile import DeletionTask, RoleUsage
from rolegate.store.schema_profiles import slr_deletion_tasks

_t = slr_deletion_tasks.c


class DeletionTaskRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, task: DeletionTask) -> None:
        self._conn.execute(insert(slr_deletion_tasks).values(**_columns(task)))

    def get(self, account_id: str, deletion_task_id: str) -> DeletionTask | None:
        row = self._conn.execute(
            select(slr_deletion_tasks).where(
                _t.account_id == account_id, _t.deletion_task_id == deletion_task_id
            )
        ).first()
        return None if row is None else _task(row)


def _columns(task: DeletionTask) -> dict[str, Any]:
    reason = None
    if task.reason is not None:
        usage = [{"Region": u.region, "Resources": list(u.resources)} for u in task.role_usage]
        reason = json.dumps({"Reason": task.reason, "RoleUsageList": usage})
    return {
        "deletion_task_id": task.deletion_task_id,
        "account_id": task.account_id,
        "role_id": task.role_id,
        "status": task.status,
        "reason": reason,
        "create_date": task.create_date,
    }


def _task(row: Any) -> DeletionTask:
    reason: str | None = None
    usage: tuple[RoleUsage, ...] = ()
    if row.reason is not None:
        stored = json.loads(row.reason)
        reason = stored["Reason"]
        usage = tuple(
            RoleUsage(u["Region"], tuple(u["Resources"])) for u in stored["RoleUsageList"]
        )
    return DeletionTask(
        deletion_task_id=row.deletion_task_id,
        account_id=row.account_id,
        role_id=row.role_id,
        status=row.status,
        create_date=row.create_date,
        reason=reason,
        role_usage=usage,
    )
