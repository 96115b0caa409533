"""When a role was last used, as GetRole's ``RoleLastUsed`` shows it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html, "View role
access"): written by AssumeRole* and by every decision the authorization service makes for one of
the role's sessions; and service last accessed data
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html), written
for every IAM and STS request and authorization-service decision that is allowed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Role
from rolegate.domain.last_accessed import ServiceUse
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


class ServiceUseRecorder:
    """Service last accessed data: which principal was last allowed to use which service and
    action, when and in which region (GenerateServiceLastAccessedDetails reads it). One per node,
    shared by its threads: it remembers what it wrote in the last minute and writes a
    (principal, service, action) at most once a minute, so a busy principal costs no more than
    RoleLastUsed does. IAM users, role sessions (as their role) and the root user are recorded;
    federated users as the IAM user who made them."""

    MAX_REMEMBERED = 100_000  # entries; forgetting only costs an early write

    def __init__(self) -> None:
        self._written: dict[tuple[str, str, str], datetime] = {}
        self._lock = threading.Lock()

    def record(self, tx: Tx, caller: Caller, action: str, region: str, now: datetime) -> None:
        """Record that ``caller`` was allowed ``action`` ("service:Name") at ``now``."""
        principal = _recorded_principal(caller)
        service, colon, name = action.partition(":")
        if principal is None or not colon or not service:
            return
        principal_id, principal_arn = principal
        service = service.lower()
        due = [(principal_id, service, ""), (principal_id, service, name)]
        with self._lock:
            due = [k for k in due if not now - self._written.get(k, _NEVER) < RECORD_USE_EVERY]
        if not due:
            return
        uses = [
            ServiceUse(caller.account_id, principal_id, principal_arn, svc, act, now, region)
            for principal_id, svc, act in due
        ]
        if not tx.last_accessed.record(uses):
            return  # another writer held the database: the next request tries again
        with self._lock:
            if len(self._written) + len(due) > self.MAX_REMEMBERED:
                self._written.clear()
            self._written.update(dict.fromkeys(due, now))


_NEVER = datetime.min.replace(tzinfo=UTC)


def _recorded_principal(caller: Caller) -> tuple[str, str] | None:
    """The (unique id, ARN) a use is recorded under: the user, the role behind a session, the
    account for its root user; None for callers that are no IAM principal of the account."""
    if caller.principal_type == "role_session" and caller.role is not None:
        return caller.role.role_id, caller.role.arn
    if caller.principal_type in ("user", "federated_user") and caller.user is not None:
        return caller.user.user_id, caller.user.arn
    if caller.principal_type == "root" and not caller.implicit:
        return caller.account_id, caller.arn
    return None
