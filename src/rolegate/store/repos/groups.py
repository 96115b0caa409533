"""IAM groups and their members (tables in ``schema_groups``).

Names are unique per account without regard to case; ListGroups orders by the case-folded name
and pages by keyset on the unique index, like roles and users. A group's members and a user's
groups are listed by case-folded name as well. The policies of a user's groups are read for
every request the user signs, in two queries however many groups it is in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from rolegate.domain.entities import User
from rolegate.domain.group import Group
from rolegate.store.dialects import insert_ignoring_duplicates
from rolegate.store.errors import Conflict
from rolegate.store.keyset import page_rows
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema import users
from rolegate.store.schema_groups import group_members, groups
from rolegate.store.types import name_key

_LISTING = "groups"
_FOR_USER_LISTING = "groups-for-user"
_MEMBERS_LISTING = "group-members"
_g = groups.c
_m = group_members.c


class GroupRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, group: Group) -> None:
        """Insert ``group``; Conflict if the account has the name (any case)."""
        values = entity_values(group, groups, name=group.group_name)
        conflict = f"group {group.group_name} exists in account {group.account_id}"
        insert_new(self._conn, groups, values, conflict)

    def get(self, account_id: str, name: str, *, for_update: bool = False) -> Group | None:
        """The group named ``name`` (any case). ``for_update`` holds its row until the
        transaction ends (PostgreSQL; SQLite's write transactions are serialised already)."""
        query = select(groups).where(_g.account_id == account_id, _g.name_key == name_key(name))
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _group(row)

    def count(self, account_id: str) -> int:
        query = select(func.count()).select_from(groups).where(_g.account_id == account_id)
        return int(self._conn.execute(query).scalar_one())

    def list(
        self, account_id: str, *, path_prefix: str = "/", marker: str | None, max_items: int
    ) -> Page[Group]:
        """Groups whose path starts with ``path_prefix`` (case-sensitive), by folded name."""
        check_max_items(max_items)
        after = None if marker is None else decode_marker(_LISTING, marker)
        rows = page_rows(
            self._conn, groups, account_id, path_prefix, after=after, limit=max_items + 1
        )
        return _group_page(rows, _LISTING, max_items)

    def rename(self, group: Group, *, new_name: str, new_path: str, new_arn: str) -> None:
        """UpdateGroup: a new name and/or path (so a new ARN); Conflict when another group of
        the account has the new name. The unique index decides between concurrent renames."""
        clash = self.get(group.account_id, new_name)
        if clash is not None and clash.group_id != group.group_id:
            raise Conflict(f"group {new_name} exists in account {group.account_id}")
        try:
            self._conn.execute(
                update(groups)
                .where(_g.group_id == group.group_id)
                .values(
                    group_name=new_name, name_key=name_key(new_name), path=new_path, arn=new_arn
                )
            )
        except IntegrityError:
            # A concurrent rename or create took the name after the check (PostgreSQL); the
            # transaction is spoilt, and the caller answers EntityAlreadyExists, rolling it back.
            raise Conflict(f"group {new_name} exists in account {group.account_id}") from None

    def delete(self, group_id: str) -> None:
        """Delete the group with its inline policies (cascade). Members must be gone first."""
        self._conn.execute(delete(groups).where(_g.group_id == group_id))

    # --- membership ---------------------------------------------------------------------------
    def add_member(self, group_id: str, user_id: str) -> bool:
        """Put the user in the group; False if it was in already (no error in IAM)."""
        stmt = insert_ignoring_duplicates(group_members, self._conn.dialect.name)
        return bool(self._conn.execute(stmt, {"group_id": group_id, "user_id": user_id}).rowcount)

    def is_member(self, group_id: str, user_id: str) -> bool:
        query = select(_m.group_id).where(_m.group_id == group_id, _m.user_id == user_id)
        return self._conn.execute(query).first() is not None

    def remove_member(self, group_id: str, user_id: str) -> bool:
        result = self._conn.execute(
            delete(group_members).where(_m.group_id == group_id, _m.user_id == user_id)
        )
        return result.rowcount > 0

    def count_members(self, group_id: str) -> int:
        query = select(func.count()).select_from(group_members).where(_m.group_id == group_id)
        return int(self._conn.execute(query).scalar_one())

    def count_for_user(self, user_id: str) -> int:
        query = select(func.count()).select_from(group_members).where(_m.user_id == user_id)
        return int(self._conn.execute(query).scalar_one())

    def members(self, group_id: str, *, marker: str | None, max_items: int) -> Page[User]:
        """GetGroup's ``Users``: the members by case-folded user name (without tags)."""
        check_max_items(max_items)
        query = (
            select(users)
            .join(group_members, _m.user_id == users.c.user_id)
            .where(_m.group_id == group_id)
        )
        if marker is not None:
            query = query.where(users.c.name_key > decode_marker(_MEMBERS_LISTING, marker))
        rows = self._conn.execute(query.order_by(users.c.name_key).limit(max_items + 1)).all()
        truncated = len(rows) > max_items
        rows = rows[:max_items]
        next_marker = encode_marker(_MEMBERS_LISTING, rows[-1].name_key) if truncated else None
        return Page([_member(row) for row in rows], next_marker)

    def groups_of_user(self, user_id: str, *, marker: str | None, max_items: int) -> Page[Group]:
        """ListGroupsForUser: the user's groups by case-folded name."""
        check_max_items(max_items)
        query = (
            select(groups)
            .join(group_members, _m.group_id == _g.group_id)
            .where(_m.user_id == user_id)
        )
        if marker is not None:
            query = query.where(_g.name_key > decode_marker(_FOR_USER_LISTING, marker))
        rows = self._conn.execute(query.order_by(_g.name_key).limit(max_items + 1)).all()
        return _group_page(rows, _FOR_USER_LISTING, max_items)


def _group_page(rows: Any, listing: str, max_items: int) -> Page[Group]:
    truncated = len(rows) > max_items
    rows = rows[:max_items]
    next_marker = encode_marker(listing, rows[-1].name_key) if truncated else None
    return Page([_group(row) for row in rows], next_marker)


def _group(row: Any) -> Group:
    return entity_from_row(Group, row)


def _member(row: Any) -> User:
    """A member as GetGroup lists it (the ``User`` shape without tags)."""
    return entity_from_row(User, row)
