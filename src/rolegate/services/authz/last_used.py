"""When a role was last used, as GetRole's ``RoleLastUsed`` shows it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html, "View role
access"): written by AssumeRole* and by every decision the authorization service makes for one of
the role's sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from rolegate.domain.entities import Role
from rolegate.store import Tx

# At most one write a minute per role and region: a busy role must not make every request a
# database write, and AWS itself reports last use with a delay. (A role used in two regions
# in turn writes on every change of region.)
RECORD_USE_EVERY = timedelta(minutes=1)


def record_role_use(tx: Tx, role: Role, now: datetime, region: str) -> None:
    """Record that ``role`` was used in ``region`` at ``now`` (best effort: the repository
    gives up quietly when another writer holds the database)."""
    last = role.last_used_date
    fresh = last is not None and (now - last) < RECORD_USE_EVERY
    if fresh and role.last_used_region == region:
        return
    tx.roles.record_use(role.role_id, now, region)
