"""The repositories of a read transaction, answering the reads every signed request repeats from
this process's ``ReadCache`` (``store.freshness``: the generation and its bounds).

Only read transactions use them: a write transaction must see its own uncommitted writes, and
what it reads must never be kept for others. Entities are frozen, so one cached value is safely
shared; lists are kept as tuples and handed out as fresh lists. The best-effort last-used writes a
read transaction makes (access keys, roles) bump the generation, so this process never keeps
answering from the entry it has just made stale (the bump comes after the commit: a read of
another thread in between would keep the old row under the new generation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from rolegate.domain.entities import AccessKey, Role, User
from rolegate.store.freshness import Freshness
from rolegate.store.page import Page
from rolegate.store.repos.access_keys import AccessKeyRepo, Sealer
from rolegate.store.repos.identity_policies import IdentityPolicyRepo, SourcePolicy
from rolegate.store.repos.managed_policies import ManagedPolicyRepo
from rolegate.store.repos.roles import RoleRepo
from rolegate.store.repos.users import UserRepo
from rolegate.store.types import name_key


@dataclass(slots=True)
class CachedReads:
    """The process's cache as one read transaction sees it: the generation it began under, and
    whether it wrote (a last-used date), which bumps the generation once it has committed."""

    freshness: Freshness
    generation: int
    wrote: bool = False


class CachedAccessKeyRepo(AccessKeyRepo):
    def __init__(self, conn: Connection, sealer: Sealer, reads: CachedReads) -> None:
        super().__init__(conn, sealer)
        self._reads = reads

    def get(self, access_key_id: str) -> AccessKey | None:
        return self._reads.freshness.cache.read(
            ("access_key", access_key_id),
            self._reads.generation,
            lambda: AccessKeyRepo.get(self, access_key_id),
        )

    def record_use(self, key: AccessKey, when: datetime, service: str, region: str) -> bool:
        wrote = super().record_use(key, when, service, region)
        self._reads.wrote = self._reads.wrote or wrote
        return wrote


class CachedRoleRepo(RoleRepo):
    def __init__(self, conn: Connection, reads: CachedReads) -> None:
        super().__init__(conn)
        self._reads = reads

    def get(self, account_id: str, role_name: str) -> Role | None:
        return self._reads.freshness.cache.read(
            ("role", account_id, name_key(role_name)),
            self._reads.generation,
            lambda: RoleRepo.get(self, account_id, role_name),
        )

    def get_by_id(self, role_id: str) -> Role | None:
        return self._reads.freshness.cache.read(
            ("role_id", role_id), self._reads.generation, lambda: RoleRepo.get_by_id(self, role_id)
        )

    def list(
        self,
        account_id: str,
        *,
        path_prefix: str = "/",
        marker: str | None,
        max_items: int,
        with_tags: bool = True,
    ) -> Page[Role]:
        """A listing page, kept as a whole (its weight in the cache: one per role)."""
        found = self._reads.freshness.cache.read(
            ("role_page", account_id, path_prefix, marker, max_items, with_tags),
            self._reads.generation,
            lambda: _kept(
                RoleRepo.list(
                    self,
                    account_id,
                    path_prefix=path_prefix,
                    marker=marker,
                    max_items=max_items,
                    with_tags=with_tags,
                )
            ),
            weight=max_items,
        )
        return Page(list(found[0]), found[1])

    def record_use(self, role_id: str, when: datetime, region: str) -> None:
        super().record_use(role_id, when, region)
        self._reads.wrote = True


def _kept(page: Page[Role]) -> tuple[tuple[Role, ...], str | None]:
    return tuple(page.items), page.next_marker


class CachedUserRepo(UserRepo):
    def __init__(self, conn: Connection, reads: CachedReads) -> None:
        super().__init__(conn)
        self._reads = reads

    def get(self, account_id: str, user_name: str) -> User | None:
        return self._reads.freshness.cache.read(
            ("user", account_id, name_key(user_name)),
            self._reads.generation,
            lambda: UserRepo.get(self, account_id, user_name),
        )

    def get_by_id(self, user_id: str) -> User | None:
        return self._reads.freshness.cache.read(
            ("user_id", user_id), self._reads.generation, lambda: UserRepo.get_by_id(self, user_id)
        )


class CachedIdentityPolicyRepo(IdentityPolicyRepo):
    def __init__(self, conn: Connection, reads: CachedReads) -> None:
        super().__init__(conn)
        self._reads = reads

    def of_user(self, user_id: str, user_arn: str) -> list[SourcePolicy]:
        found = self._reads.freshness.cache.read(
            ("user_policies", user_id, user_arn),
            self._reads.generation,
            lambda: tuple(IdentityPolicyRepo.of_user(self, user_id, user_arn)),
        )
        return list(found)

    def of_role(self, role_id: str, role_arn: str) -> list[SourcePolicy]:
        found = self._reads.freshness.cache.read(
            ("role_policies", role_id, role_arn),
            self._reads.generation,
            lambda: tuple(IdentityPolicyRepo.of_role(self, role_id, role_arn)),
        )
        return list(found)


class CachedManagedPolicyRepo(ManagedPolicyRepo):
    def __init__(self, conn: Connection, reads: CachedReads) -> None:
        super().__init__(conn)
        self._reads = reads

    def policy_document(self, policy_arn: str) -> str | None:
        return self._reads.freshness.cache.read(
            ("policy_document", policy_arn),
            self._reads.generation,
            lambda: ManagedPolicyRepo.policy_document(self, policy_arn),
        )
