"""Instance profiles, the role each holds, and their tags (tables in ``schema_profiles``).

Names are unique per account without regard to case; listings order by the case-folded name and
page by keyset on the unique index, like roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Role, Tag
from rolegate.domain.instance_profile import InstanceProfile
from rolegate.store.id_lists import in_ids
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.prepared import Prepared
from rolegate.store.repos.tags import TagStore
from rolegate.store.rows import entity_from_row, entity_values, insert_new
from rolegate.store.schema import roles
from rolegate.store.schema_profiles import (
    instance_profile_roles,
    instance_profile_tags,
    instance_profiles,
)
from rolegate.store.types import name_key

_LISTING = "instance-profiles"
_FOR_ROLE_LISTING = "instance-profiles-for-role"
_p = instance_profiles.c
_m = instance_profile_roles.c


class InstanceProfileRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tags = TagStore(conn, instance_profile_tags)

    def create(self, profile: InstanceProfile) -> None:
        """Insert ``profile`` and its tags; Conflict if the account has the name (any case)."""
        values = entity_values(profile, instance_profiles, name=profile.instance_profile_name)
        conflict = f"instance profile {profile.instance_profile_name} exists"
        insert_new(self._conn, instance_profiles, values, conflict)
        if profile.tags:
            self._tags.replace(profile.instance_profile_id, profile.tags)

    def get(
        self, account_id: str, name: str, *, for_update: bool = False
    ) -> InstanceProfile | None:
        """The profile with its role and tags. ``for_update`` first locks its row until the
        transaction ends (PostgreSQL; SQLite's write transactions are serialised already), so
        the role read after it is the committed one and concurrent changes wait."""
        query = select(instance_profiles).where(
            _p.account_id == account_id, _p.name_key == name_key(name)
        )
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        if row is None:
            return None
        return self._assemble([row], with_tags=True)[0]

    def count(self, account_id: str) -> int:
        query = select(func.count()).select_from(instance_profiles)
        return int(self._conn.execute(query.where(_p.account_id == account_id)).scalar_one())

    def list(
        self, account_id: str, *, path_prefix: str = "/", marker: str | None, max_items: int
    ) -> Page[InstanceProfile]:
        """Profiles whose path starts with ``path_prefix`` (case-sensitive), by folded name."""
        check_max_items(max_items)
        after = None if marker is None else decode_marker(_LISTING, marker)
        query = profile_page_query(account_id, path_prefix, after=after, limit=max_items + 1)
        return self._page(query, _LISTING, max_items)

    def list_for_role(
        self, role_id: str, *, marker: str | None, max_items: int
    ) -> Page[InstanceProfile]:
        check_max_items(max_items)
        query = (
            select(instance_profiles)
            .join(instance_profile_roles, _m.instance_profile_id == _p.instance_profile_id)
            .where(_m.role_id == role_id)
        )
        if marker is not None:
            query = query.where(_p.name_key > decode_marker(_FOR_ROLE_LISTING, marker))
        return self._page(
            query.order_by(_p.name_key).limit(max_items + 1), _FOR_ROLE_LISTING, max_items
        )

    def of_roles(self, role_ids: Iterable[str]) -> dict[str, tuple[InstanceProfile, ...]]:
        """The profiles holding each role, with their tags, in three queries however many roles
        (GetAccountAuthorizationDetails' ``InstanceProfileList``). Roles in none are absent."""
        ids = list(role_ids)
        if not ids:
            return {}
        rows = _PROFILES_OF_ROLES.all(self._conn, {"ids": ids})
        found: dict[str, tuple[InstanceProfile, ...]] = {}
        for profile in self._assemble(rows, with_tags=True):
            for role in profile.roles:
                found[role.role_id] = (*found.get(role.role_id, ()), profile)
        return found

    def count_for_role(self, role_id: str) -> int:
        query = select(func.count()).select_from(instance_profile_roles)
        return int(self._conn.execute(query.where(_m.role_id == role_id)).scalar_one())

    def delete(self, instance_profile_id: str) -> None:
        """Delete the profile with its tags (foreign keys cascade)."""
        self._conn.execute(
            delete(instance_profiles).where(_p.instance_profile_id == instance_profile_id)
        )

    def lock_role(self, role_id: str) -> bool:
        """Hold the role's row until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite's
        write transactions are serialised already); False if the role is gone. DeleteRole takes
        the same lock, so a role is never deleted while being put in a profile."""
        query = select(roles.c.role_id).where(roles.c.role_id == role_id).with_for_update()
        return self._conn.execute(query).first() is not None

    def add_role(self, instance_profile_id: str, role_id: str) -> None:
        """Put the role in the profile; Conflict if the profile already holds a role. The
        primary key on the profile decides between concurrent calls."""
        values = {"instance_profile_id": instance_profile_id, "role_id": role_id}
        conflict = f"instance profile {instance_profile_id} already holds a role"
        insert_new(self._conn, instance_profile_roles, values, conflict)

    def remove_role(self, instance_profile_id: str, role_id: str) -> bool:
        result = self._conn.execute(
            delete(instance_profile_roles).where(
                _m.instance_profile_id == instance_profile_id, _m.role_id == role_id
            )
        )
        return result.rowcount > 0

    def set_tags(self, instance_profile_id: str, tags: Sequence[Tag]) -> None:
        self._tags.replace(instance_profile_id, tags)

    def _page(self, query: Any, listing: str, max_items: int) -> Page[InstanceProfile]:
        """Run a query ordered by name_key and limited to ``max_items + 1`` rows."""
        rows = self._conn.execute(query).all()
        truncated = len(rows) > max_items
        rows = rows[:max_items]
        next_marker = encode_marker(listing, rows[-1].name_key) if truncated else None
        # Listings leave out tags (ListInstanceProfiles' documentation).
        return Page(list(self._assemble(rows, with_tags=False)), next_marker)

    def _assemble(self, rows: Sequence[Any], *, with_tags: bool) -> tuple[InstanceProfile, ...]:
        """Profiles with their roles: one query for all roles of the page."""
        ids = [row.instance_profile_id for row in rows]
        members = self._roles_of(ids)
        tags = self._tags.of_many(ids) if with_tags else {}
        return tuple(
            entity_from_row(
                InstanceProfile,
                row,
                roles=members.get(row.instance_profile_id, ()),
                tags=tags.get(row.instance_profile_id, ()),
            )
            for row in rows
        )

    def _roles_of(self, profile_ids: Iterable[str]) -> dict[str, tuple[Role, ...]]:
        ids = list(profile_ids)
        if not ids:
            return {}
        rows = self._conn.execute(
            select(_m.instance_profile_id, roles)
            .join(roles, roles.c.role_id == _m.role_id)
            .where(_m.instance_profile_id.in_(ids))
        )
        found: dict[str, tuple[Role, ...]] = {}
        for row in rows:
            found[row.instance_profile_id] = (*found.get(row.instance_profile_id, ()), _role(row))
        return found


_PROFILES_OF_ROLES = Prepared(
    select(instance_profiles)
    .join(instance_profile_roles, _m.instance_profile_id == _p.instance_profile_id)
    .where(in_ids(_m.role_id))
    .order_by(_p.name_key)
)


def profile_page_query(
    account_id: str, path_prefix: str, *, after: str | None, limit: int
) -> Select[Any]:
    """Keyset page: a range scan of the unique (account_id, name_key) index, no sort step."""
    query = select(instance_profiles).where(_p.account_id == account_id)
    if path_prefix != "/":
        query = query.where(func.substr(_p.path, 1, len(path_prefix)) == path_prefix)
    if after is not None:
        query = query.where(_p.name_key > after)
    return query.order_by(_p.name_key).limit(limit)


def _role(row: Any) -> Role:
    """The role as an instance profile shows it (the ``Role`` shape without tags)."""
    return entity_from_row(Role, row)
