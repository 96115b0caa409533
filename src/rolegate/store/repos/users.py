"""IAM users. Names are unique per account without regard to case
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); ListUsers orders by
the case-folded name and pages by keyset on the unique index, as ListRoles.

A request signed by a user reads that user several times (authentication, gathering its
policies, the operation itself), so lookups are remembered for the rest of the transaction (the
repo lives as long as one transaction); any write through the repo forgets them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from rolegate.domain.entities import Tag, User
from rolegate.store.errors import Conflict
from rolegate.store.keyset import page_rows
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.repos.tags import TagStore, WithTags
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema import user_tags, users
from rolegate.store.types import name_key

_LISTING = "users"
_WITH_TAGS = WithTags(users, user_tags, "user_id")


class UserRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tags = TagStore(conn, user_tags)
        self._by_name: dict[tuple[str, str], User | None] = {}

    def create(self, user: User) -> None:
        """Insert ``user`` and its tags; raises Conflict if the account has the name (any case)
        or the user id exists. The unique index decides between concurrent creates."""
        self._by_name.clear()
        values = entity_values(user, users, name=user.user_name)
        insert_new(
            self._conn, users, values, f"user {user.user_name} exists in account {user.account_id}"
        )
        if user.tags:
            self._tags.replace(user.user_id, user.tags)

    def get(self, account_id: str, user_name: str) -> User | None:
        key = (account_id, name_key(user_name))
        if key not in self._by_name:
            params = {"account_id": account_id, "name_key": key[1]}
            self._by_name[key] = _user_with_tags(_WITH_TAGS.by_name.all(self._conn, params))
        return self._by_name[key]

    def get_by_id(self, user_id: str) -> User | None:
        return _user_with_tags(_WITH_TAGS.by_id.all(self._conn, {"user_id": user_id}))

    def lock(self, user_id: str) -> bool:
        """Hold a row lock on the user until the transaction ends; False if it is gone.

        Serialises the checks that count what a user holds (two access keys, 2,048 characters of
        inline policies, nothing left when deleted) on PostgreSQL (``FOR UPDATE``); SQLite's
        write transactions are serialised already.
        """
        self._by_name.clear()  # read again once locked: a concurrent writer may have committed
        query = select(users.c.user_id).where(users.c.user_id == user_id).with_for_update()
        return self._conn.execute(query).first() is not None

    def list(
        self, account_id: str, *, path_prefix: str = "/", marker: str | None, max_items: int
    ) -> Page[User]:
        """Users whose path starts with ``path_prefix`` (case-sensitive), by case-folded name.

        ListUsers leaves tags out of its answer, so they are not read.
        """
        check_max_items(max_items)
        after = None if marker is None else decode_marker(_LISTING, marker)
        rows = page_rows(
            self._conn, users, account_id, path_prefix, after=after, limit=max_items + 1
        )
        truncated = len(rows) > max_items
        rows = rows[:max_items]
        items = [_user(row, ()) for row in rows]
        next_marker = encode_marker(_LISTING, rows[-1].name_key) if truncated else None
        return Page(items, next_marker)

    def count(self, account_id: str) -> int:
        query = select(func.count()).select_from(users).where(users.c.account_id == account_id)
        return int(self._conn.execute(query).scalar_one())

    def rename(self, user: User, *, new_name: str, new_path: str, new_arn: str) -> None:
        """UpdateUser: a new name and/or path (and so a new ARN); raises Conflict when another
        user of the account has the new name. Call ``AccessKeyRepo.rename_user`` alongside."""
        clash = self.get(user.account_id, new_name)
        if clash is not None and clash.user_id != user.user_id:
            raise Conflict(f"user {new_name} exists in account {user.account_id}")
        try:
            self._conn.execute(
                update(users)
                .where(users.c.user_id == user.user_id)
                .values(user_name=new_name, name_key=name_key(new_name), path=new_path, arn=new_arn)
            )
        except IntegrityError:
            # a concurrent rename or create took the name after the check (PostgreSQL): the
            # caller answers EntityAlreadyExists and the transaction rolls back
            raise Conflict(f"user {new_name} exists in account {user.account_id}") from None
        finally:
            self._by_name.clear()  # the clash check above remembered the new name as free

    def set_permissions_boundary(self, user_id: str, boundary_arn: str | None) -> None:
        self._by_name.clear()
        self._conn.execute(
            update(users)
            .where(users.c.user_id == user_id)
            .values(permissions_boundary_arn=boundary_arn)
        )

    def delete(self, user_id: str) -> bool:
        """Delete the user with its tags and inline policies (foreign keys cascade)."""
        self._by_name.clear()
        result = self._conn.execute(delete(users).where(users.c.user_id == user_id))
        return result.rowcount > 0

    def set_tags(self, user_id: str, tags: Sequence[Tag]) -> None:
        """Replace all tags of the user, keeping the given order."""
        self._by_name.clear()
        self._tags.replace(user_id, tags)


def _user_with_tags(rows: Sequence[Any]) -> User | None:
    """The user of ``_WITH_TAGS`` rows (None when there are none)."""
    found = _WITH_TAGS.split(rows)
    return None if found is None else _user(*found)


def _user(row: Any, tags: tuple[Tag, ...]) -> User:
    return entity_from_row(User, row, tags=tags)
