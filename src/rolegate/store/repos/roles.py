"""IAM roles. Names are unique per account and compared case-insensitively
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create.html); ListRoles orders by the
case-folded name and pages by keyset on the unique index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Role, Tag
from rolegate.store.change_serial import bump as bump_change_serial
from rolegate.store.dialects import best_effort_write, insert_ignoring_duplicates
from rolegate.store.errors import Conflict
from rolegate.store.keyset import page_rows, page_statement
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.prepared import Prepared, prepared
from rolegate.store.repos.tags import TagStore, WithTags
from rolegate.store.schema import role_tags, roles
from rolegate.store.types import name_key

_LISTING = "roles"
_WITH_TAGS = WithTags(roles, role_tags, "role_id")
_COUNT = Prepared(
    select(func.count()).select_from(roles).where(roles.c.account_id == bindparam("account_id"))
)
_RECORD_USE = Prepared(
    update(roles)
    .where(roles.c.role_id == bindparam("used_role_id"))
    .values(last_used_date=bindparam("when"), last_used_region=bindparam("region"))
)


class RoleRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tags = TagStore(conn, role_tags)

    def create(self, role: Role) -> None:
        """Insert ``role`` and its tags; raises Conflict if the account has the name (any case)
        or the role id exists. The unique index decides between concurrent creates."""
        stmt = prepared(insert_ignoring_duplicates(roles, self._conn.dialect.name))
        values = {
            "role_id": role.role_id,
            "account_id": role.account_id,
            "role_name": role.role_name,
            "name_key": name_key(role.role_name),
            "path": role.path,
            "arn": role.arn,
            "create_date": role.create_date,
            **_mutable_columns(role),
        }
        if stmt.run(self._conn, values) == 0:
            raise Conflict(f"role {role.role_name} exists in account {role.account_id}")
        if role.tags:
            self._tags.replace(role.role_id, role.tags)

    def get(self, account_id: str, role_name: str) -> Role | None:
        params = {"account_id": account_id, "name_key": name_key(role_name)}
        return _role_with_tags(_WITH_TAGS.by_name.all(self._conn, params))

    def get_by_id(self, role_id: str) -> Role | None:
        return _role_with_tags(_WITH_TAGS.by_id.all(self._conn, {"role_id": role_id}))

    def list(
        self,
        account_id: str,
        *,
        path_prefix: str = "/",
        marker: str | None,
        max_items: int,
        with_tags: bool = True,
    ) -> Page[Role]:
        """Roles whose path starts with ``path_prefix`` (case-sensitive), by case-folded name.

        ``with_tags=False`` skips reading tags (ListRoles does not show them): the roles then
        carry no tags whatever they have.
        """
        check_max_items(max_items)
        after = None if marker is None else decode_marker(_LISTING, marker)
        rows = page_rows(
            self._conn, roles, account_id, path_prefix, after=after, limit=max_items + 1
        )
        truncated = len(rows) > max_items
        rows = rows[:max_items]
        tags = self._tags.of_many(row[_ROLE_ID] for row in rows) if with_tags else {}
        items = [_role(row, tags.get(row[_ROLE_ID], ())) for row in rows]
        next_marker = encode_marker(_LISTING, rows[-1].name_key) if truncated else None
        return Page(items, next_marker)

    def count(self, account_id: str) -> int:
        return int(_COUNT.scalar(self._conn, {"account_id": account_id}) or 0)

    def update(self, role: Role) -> None:
        """Store the mutable attributes of ``role`` (matched by role_id); tags: ``set_tags``."""
        self._conn.execute(
            update(roles).where(roles.c.role_id == role.role_id).values(**_mutable_columns(role))
        )

    def record_use(self, role_id: str, when: datetime, region: str) -> None:
        """RoleLastUsed. Best effort, in a savepoint: inside a read-only SQLite transaction
        another writer may hold the lock, and losing one last-used update is better than
        failing the AssumeRole that caused it."""
        try:
            with best_effort_write(self._conn):
                _RECORD_USE.run(
                    self._conn, {"used_role_id": role_id, "when": when, "region": region}
                )
                bump_change_serial(self._conn)  # the row is what read caches hold
        except sa_exc.OperationalError:
            pass

    def delete(self, account_id: str, role_name: str) -> bool:
        """Delete the role with its tags and inline policies (foreign keys cascade)."""
        result = self._conn.execute(
            delete(roles).where(
                roles.c.account_id == account_id, roles.c.name_key == name_key(role_name)
            )
        )
        return result.rowcount > 0

    def set_tags(self, role_id: str, tags: Sequence[Tag]) -> None:
        """Replace all tags of the role, keeping the given order."""
        self._tags.replace(role_id, tags)


def role_page_query(
    account_id: str, path_prefix: str, *, after: str | None, limit: int
) -> Select[Any]:
    """One page's statement with its values in place (what ``list`` runs)."""
    statement, params = page_statement(roles, account_id, path_prefix, after=after, limit=limit)
    return statement.params(params)


def _mutable_columns(role: Role) -> dict[str, Any]:
    return {
        "assume_role_policy_document": role.assume_role_policy_document,
        "description": role.description,
        "max_session_duration": role.max_session_duration,
        "permissions_boundary_arn": role.permissions_boundary_arn,
        "last_used_date": role.last_used_date,
        "last_used_region": role.last_used_region,
        "trust_principal_ids": role.trust_principal_ids,
    }


_ROLE_ID = roles.c.keys().index("role_id")


def _role_with_tags(rows: Sequence[Any]) -> Role | None:
    """The role of ``_WITH_TAGS`` rows (None when there are none)."""
    found = _WITH_TAGS.split(rows)
    if found is None:
        return None
    row, tags = found
    return _role(row[:_ROLE_COLUMNS], tags)  # the role's own columns come first


_ROLE_COLUMNS = len(roles.c)


def _role(row: Any, tags: tuple[Tag, ...]) -> Role:
    """The role in a row of ``select(roles)``, unpacked by position: a Row's attribute lookup
    costs about a microsecond, a tenth of a ListRoles page (a new column fails loudly here)."""
    (
        role_id,
        account_id,
        role_name,
        _name_key,
        path,
        arn,
        create_date,
        trust_policy,
        description,
        max_session_duration,
        boundary_arn,
        last_used_date,
        last_used_region,
        trust_principal_ids,
    ) = row
    return Role(
        account_id,
        role_id,
        role_name,
        path,
        arn,
        create_date,
        trust_policy,
        description,
        max_session_duration,
        boundary_arn,
        tags,
        last_used_date,
        last_used_region,
        trust_principal_ids,
    )
