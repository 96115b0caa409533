"""Users and roles by unique id, whichever kind each is.

A stored trust policy keeps its user and role principals as unique ids; showing it maps each id back
to the ARN of the principal that has it now
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html, "IAM
uses a reverse transformation back to the role ARN when the trust policy is displayed"). A listing
page asks for all its roles' principals at once: one statement.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, union_all
from sqlalchemy.engine import Connection

from rolegate.store.id_lists import in_ids
from rolegate.store.prepared import Prepared
from rolegate.store.schema import roles, users

_ARNS = Prepared(
    union_all(
        select(users.c.user_id, users.c.arn).where(in_ids(users.c.user_id)),
        select(roles.c.role_id, roles.c.arn).where(in_ids(roles.c.role_id)),
    )
)


class PrincipalRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def arns(self, unique_ids: Collection[str]) -> dict[str, str]:
        """The current ARN of each of these ids that a user or role has."""
        if not unique_ids:
            return {}
        return {row[0]: row[1] for row in _ARNS.all(self._conn, {"ids": list(unique_ids)})}
