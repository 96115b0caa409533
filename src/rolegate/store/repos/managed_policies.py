"""Managed policies with their versions and tags (customer managed and AWS managed alike).

Names are unique per account without regard to case. ListPolicies orders by (case-folded name,
account) and pages by keyset; with Scope=All it reads one page from the account's policies and
one from AWS's (each an index range scan) and merges them, so a page costs the same however
many policies exist.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection

from rolegate.domain.entities import Tag
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    PolicyUsage,
    PolicyVersion,
    UsageCounts,
    split_policy_arn,
)
from rolegate.store.errors import InvalidMarker
from rolegate.store.id_lists import in_ids
from rolegate.store.page import Page, check_max_items, decode_marker, encode_marker
from rolegate.store.prepared import Prepared
from rolegate.store.repos.tags import TagStore
from rolegate.store.rows import insert_new
from rolegate.store.schema_policies import (
    managed_policies,
    policy_tags,
    policy_usage_counts,
    policy_versions,
)
from rolegate.store.types import name_key

_LISTING = "policies"
_SCOPES = ("All", "AWS", "Local")
_BY_NAME = select(managed_policies).where(
    managed_policies.c.account_id == bindparam("account_id"),
    managed_policies.c.name_key == bindparam("name_key"),
)
_DEFAULT_DOCUMENT = (
    select(policy_versions.c.document)
    .join(
        managed_policies,
        and_(
            policy_versions.c.policy_id == managed_policies.c.policy_id,
            policy_versions.c.version == managed_policies.c.default_version,
        ),
    )
    .where(
        managed_policies.c.account_id == bindparam("account_id"),
        managed_policies.c.name_key == bindparam("name_key"),
        managed_policies.c.path == bindparam("path"),
    )
)


class ManagedPolicyRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tags = TagStore(conn, policy_tags)

    # --- policies ---------------------------------------------------------------------------
    def create(self, policy: ManagedPolicy, first_version: PolicyVersion) -> None:
        """Insert ``policy`` with its first version and tags; Conflict if the name is taken."""
        values = {
            "policy_id": policy.policy_id,
            "account_id": policy.account_id,
            "policy_name": policy.policy_name,
            "name_key": name_key(policy.policy_name),
            "path": policy.path,
            "arn": policy.arn,
            "create_date": policy.create_date,
            **_mutable_columns(policy),
        }
        conflict = f"policy {policy.policy_name} exists in account {policy.account_id}"
        insert_new(self._conn, managed_policies, values, conflict)
        self.add_version(policy.policy_id, first_version)
        if policy.tags:
            self._tags.replace(policy.policy_id, policy.tags)

    def get(self, account_id: str, policy_name: str) -> ManagedPolicy | None:
        params = {"account_id": account_id, "name_key": name_key(policy_name)}
        row = self._conn.execute(_BY_NAME, params).first()
        return None if row is None else policy_from_row(row, self._tags.of(row.policy_id))

    def get_by_arn(self, arn: str) -> ManagedPolicy | None:
        """The policy ``arn`` names: its name matches without regard to case, its path exactly."""
        parts = split_policy_arn(arn)
        if parts is None:
            return None
        policy = self.get(parts.account, parts.name)
        return policy if policy is not None and policy.path == parts.path else None

    def of_account(self, account_id: str) -> list[ManagedPolicy]:
        """Every policy of ``account_id`` by case-folded name, without tags."""
        query = (
            select(managed_policies)
            .where(managed_policies.c.account_id == account_id)
            .order_by(managed_policies.c.name_key)
        )
        return [policy_from_row(row, ()) for row in self._conn.execute(query)]

    def lock(self, policy_id: str, *, exclusive: bool) -> ManagedPolicy | None:
        """Re-read the policy holding a row lock until the transaction ends (PostgreSQL:
        ``FOR UPDATE``, or ``FOR SHARE`` when not ``exclusive``; SQLite's write transactions
        are serialised already). Version and deletion changes take it exclusively."""
        query = select(managed_policies).where(managed_policies.c.policy_id == policy_id)
        row = self._conn.execute(query.with_for_update(read=not exclusive)).first()
        return None if row is None else policy_from_row(row, self._tags.of(policy_id))

    def update(self, policy: ManagedPolicy) -> None:
        """Store default/latest version, update date, description and whether it is attachable
        (matched by policy_id)."""
        self._conn.execute(
            update(managed_policies)
            .where(managed_policies.c.policy_id == policy.policy_id)
            .values(**_mutable_columns(policy))
        )

    def delete(self, policy_id: str) -> None:
        """Delete the policy with its versions and tags (the caller checked it is unused)."""
        self._conn.execute(
            delete(managed_policies).where(managed_policies.c.policy_id == policy_id)
        )

    def set_tags(self, policy_id: str, tags: Sequence[Tag]) -> None:
        self._tags.replace(policy_id, tags)

    def list_policies(
        self,
        account_id: str,
        *,
        scope: str = "All",
        path_prefix: str = "/",
        usage: PolicyUsage | None = None,
        marker: str | None,
        max_items: int,
    ) -> Page[ManagedPolicy]:
        """ListPolicies: ``scope`` All|AWS|Local; ``usage`` keeps only the policies used that
        way in ``account_id``. Items carry no tags (ListPolicies shows none)."""
        page = self.list_policies_with_counts(
            account_id,
            scope=scope,
            path_prefix=path_prefix,
            usage=usage,
            marker=marker,
            max_items=max_items,
        )
        return Page([policy for policy, _ in page.items], page.next_marker)

    def list_policies_with_counts(
        self,
        account_id: str,
        *,
        scope: str = "All",
        path_prefix: str = "/",
        usage: PolicyUsage | None = None,
        marker: str | None,
        max_items: int,
    ) -> Page[tuple[ManagedPolicy, UsageCounts]]:
        """``list_policies``, each policy with its usage counts in ``account_id`` (read in the
        same statement, one probe of the counts' key per policy)."""
        check_max_items(max_items)
        if scope not in _SCOPES:
            raise ValueError(f"scope must be one of {_SCOPES}, not {scope!r}")
        after = None if marker is None else _split_sort_key(decode_marker(_LISTING, marker))
        owners = {"All": (account_id, AWS_ACCOUNT), "AWS": (AWS_ACCOUNT,), "Local": (account_id,)}
        rows: list[Any] = []
        for owner in owners[scope]:
            statement, params = _policy_page(
                owner, account_id, path_prefix, usage, after=after, limit=max_items + 1
            )
            rows.extend(_prepared(statement).all(self._conn, params))
        if len(owners[scope]) > 1:
            rows.sort(key=_ORDER)
        truncated = len(rows) > max_items
        rows = rows[:max_items]
        items = [
            (
                policy_from_row(row[:_POLICY_COLUMNS], ()),
                UsageCounts(row.attachments or 0, row.boundaries or 0),
            )
            for row in rows
        ]
        next_marker = None
        if truncated:
            next_marker = encode_marker(_LISTING, f"{rows[-1].name_key}\n{rows[-1].account_id}")
        return Page(items, next_marker)

    def count(self, account_id: str) -> int:
        query = select(func.count()).where(managed_policies.c.account_id == account_id)
        return int(self._conn.execute(query).scalar_one())

    def usage_counts(self, account_id: str, policy_ids: Iterable[str]) -> dict[str, UsageCounts]:
        """AttachmentCount and PermissionsBoundaryUsageCount of each policy within one account
        (an AWS managed policy's counts are those of the asking account)."""
        ids = list(policy_ids)
        if not ids:
            return {}
        rows = _USAGE_COUNTS.all(self._conn, {"account_id": account_id, "ids": ids})
        return {
            policy_id: UsageCounts(attached, bounding) for policy_id, attached, bounding in rows
        }

    # --- versions ---------------------------------------------------------------------------
    def add_version(self, policy_id: str, version: PolicyVersion) -> None:
        self._conn.execute(
            policy_versions.insert().values(
                policy_id=policy_id,
                version=version.version,
                document=version.document,
                create_date=version.create_date,
            )
        )

    def get_version(self, policy_id: str, number: int) -> PolicyVersion | None:
        v = policy_versions
        row = self._conn.execute(
            select(v).where(v.c.policy_id == policy_id, v.c.version == number)
        ).first()
        return None if row is None else PolicyVersion(row.version, row.document, row.create_date)

    def versions(self, policy_id: str) -> list[PolicyVersion]:
        """Every version of the policy, newest first (as ListPolicyVersions shows them)."""
        v = policy_versions
        rows = self._conn.execute(
            select(v).where(v.c.policy_id == policy_id).order_by(v.c.version.desc())
        )
        return [PolicyVersion(row.version, row.document, row.create_date) for row in rows]

    def delete_version(self, policy_id: str, number: int) -> bool:
        v = policy_versions
        result = self._conn.execute(
            delete(v).where(v.c.policy_id == policy_id, v.c.version == number)
        )
        return result.rowcount > 0

    # --- for the policy engine ----------------------------------------------------------------
    def policy_document(self, policy_arn: str) -> str | None:
        """The default version's document of the managed policy ``policy_arn`` (None if there is
        no such policy). For permissions boundaries and session policy ARNs."""
        parts = split_policy_arn(policy_arn)
        if parts is None:
            return None
        params = {"account_id": parts.account, "name_key": name_key(parts.name), "path": parts.path}
        document = self._conn.execute(_DEFAULT_DOCUMENT, params).scalar()
        return None if document is None else str(document)


# Read for every page of ListPolicies and GetAccountAuthorizationDetails: built once.
_USAGE_COUNTS = Prepared(
    select(
        policy_usage_counts.c.policy_id,
        policy_usage_counts.c.attachments,
        policy_usage_counts.c.boundaries,
    ).where(
        policy_usage_counts.c.account_id == bindparam("account_id"),
        in_ids(policy_usage_counts.c.policy_id),
    )
)


# Read on every request of a non-root principal (the authorizer): built once.
def policy_page_query(
    owner: str,
    account_id: str,
    path_prefix: str,
    usage: PolicyUsage | None,
    *,
    after: tuple[str, str] | None,
    limit: int,
) -> Select[Any]:
    """One page's statement with its values in place (what ``list_policies`` runs)."""
    statement, params = _policy_page(
        owner, account_id, path_prefix, usage, after=after, limit=limit
    )
    return statement.params(params)


def _policy_page(
    owner: str,
    account_id: str,
    path_prefix: str,
    usage: PolicyUsage | None,
    *,
    after: tuple[str, str] | None,
    limit: int,
) -> tuple[Select[Any], dict[str, Any]]:
    """The keyset page of ``owner``'s policies: a statement built once per shape of page, and
    the values to run it with."""
    after_name: str | None = None
    comparison: str | None = None
    if after is not None:
        after_name, after_account = after
        # Keyset on (name_key, account_id) with the account fixed within this query.
        comparison = ">=" if owner > after_account else ">"
    statement = _policy_page_statement(path_prefix != "/", usage, comparison)
    params = {
        "owner": owner,
        "account_id": account_id,
        "prefix": path_prefix,
        "prefix_length": len(path_prefix),
        "after": after_name,
        "limit": limit,
    }
    return statement, params


@functools.cache
def _prepared(page_statement: Select[Any]) -> Prepared:
    """A page statement (one object per shape of page) run on the driver's cursor."""
    return Prepared(page_statement)


@functools.cache
def _policy_page_statement(
    by_prefix: bool, usage: PolicyUsage | None, comparison: str | None
) -> Select[Any]:
    p, c = managed_policies, policy_usage_counts
    counted = p.outerjoin(
        c, and_(c.c.policy_id == p.c.policy_id, c.c.account_id == bindparam("account_id"))
    )
    query = (
        select(p, c.c.attachments, c.c.boundaries)
        .select_from(counted)
        .where(p.c.account_id == bindparam("owner"))
    )
    if by_prefix:
        length = bindparam("prefix_length", type_=Integer())
        query = query.where(func.substr(p.c.path, 1, length) == bindparam("prefix", type_=String()))
    if usage is not None:  # used that way in the account: its joined count is positive
        used = c.c.attachments if usage is PolicyUsage.PERMISSIONS else c.c.boundaries
        query = query.where(used > 0)
    if comparison == ">=":
        query = query.where(p.c.name_key >= bindparam("after"))
    elif comparison == ">":
        query = query.where(p.c.name_key > bindparam("after"))
    return query.order_by(p.c.name_key).limit(bindparam("limit", type_=Integer()))


def _split_sort_key(key: str) -> tuple[str, str]:
    name, sep, account = key.partition("\n")
    if not sep or not account:
        raise InvalidMarker(key)
    return name, account


def _mutable_columns(policy: ManagedPolicy) -> dict[str, Any]:
    return {
        "description": policy.description,
        "update_date": policy.update_date,
        "default_version": policy.default_version,
        "latest_version": policy.latest_version,
        "is_attachable": policy.is_attachable,
    }


_POLICY_COLUMNS = len(managed_policies.c)  # a page row: the policy's columns, then its counts
# ListPolicies' order, (case-folded name, account), of rows of ``select(managed_policies)``
_ORDER = operator.itemgetter(
    *(managed_policies.c.keys().index(k) for k in ("name_key", "account_id"))
)


def policy_from_row(row: Any, tags: tuple[Tag, ...]) -> ManagedPolicy:
    """The policy in a row of ``select(managed_policies)``, unpacked by position: a Row's
    attribute lookup costs about a microsecond, a tenth of a ListPolicies page (a new column
    fails loudly here)."""
    (
        policy_id,
        account_id,
        policy_name,
        _name_key,
        path,
        arn,
        description,
        create_date,
        update_date,
        default_version,
        latest_version,
        is_attachable,
    ) = row
    return ManagedPolicy(
        account_id,
        policy_id,
        policy_name,
        path,
        arn,
        create_date,
        update_date,
        default_version,
        latest_version,
        description,
        bool(is_attachable),
        tags,
    )
