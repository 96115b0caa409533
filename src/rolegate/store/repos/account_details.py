"""Reads for the account views: GetAccountSummary's counts and the per-page detail lookups of
GetAccountAuthorizationDetails.

Every detail method takes the ids of one page and answers in one query whatever their number,
so a page costs the same in an account of ten roles or ten thousand.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    String,
    Table,
    bindparam,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from rolegate.domain.entities import InlinePolicy, Tag
from rolegate.domain.managed_policy import OwnerKind, PolicyUsage, PolicyVersion
from rolegate.store.id_lists import IdList, in_ids
from rolegate.store.prepared import Prepared
from rolegate.store.repos.tags import TagStore
from rolegate.store.schema import (
    access_keys,
    role_policies,
    roles,
    user_policies,
    user_tags,
    users,
)
from rolegate.store.schema_certificates import server_certificates
from rolegate.store.schema_groups import group_members, group_policies, groups
from rolegate.store.schema_mfa import mfa_devices
from rolegate.store.schema_oidc import oidc_providers
from rolegate.store.schema_policies import managed_policies, policy_attachments, policy_versions
from rolegate.store.schema_profiles import instance_profiles
from rolegate.store.schema_saml import saml_providers


class AccountDetailsRepo:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- GetAccountSummary ----------------------------------------------------------------------
    def summary_counts(self, account_id: str) -> dict[str, int]:
        """Usage counts keyed by GetAccountSummary's names, in one round trip."""
        p = managed_policies.c
        counts: dict[str, ScalarSelect[int]] = {
            "Users": _count(users, users.c.account_id == account_id),
            "Roles": _count(roles, roles.c.account_id == account_id),
            "Policies": _count(managed_policies, p.account_id == account_id),
            "PolicyVersionsInUse": select(func.count())
            .select_from(policy_versions.join(managed_policies))
            .where(p.account_id == account_id)
            .scalar_subquery(),
            "Groups": _count(groups, groups.c.account_id == account_id),
            "OidcProviders": _count(oidc_providers, oidc_providers.c.account_id == account_id),
            "SamlProviders": _count(saml_providers, saml_providers.c.account_id == account_id),
            "InstanceProfiles": _count(
                instance_profiles, instance_profiles.c.account_id == account_id
            ),
            "ServerCertificates": _count(
                server_certificates, server_certificates.c.account_id == account_id
            ),
            "MFADevices": _count(mfa_devices, mfa_devices.c.account_id == account_id),
            "MFADevicesInUse": _count(
                mfa_devices,
                mfa_devices.c.account_id == account_id,
                mfa_devices.c.user_name.is_not(None),
            ),
            "AccountAccessKeysPresent": _count(
                access_keys,
                access_keys.c.account_id == account_id,
                access_keys.c.user_name.is_(None),
            ),
        }
        row = self._conn.execute(select(*(q.label(k) for k, q in counts.items()))).one()
        found = {key: int(row._mapping[key]) for key in counts}
        found["Providers"] = found.pop("OidcProviders") + found.pop("SamlProviders")
        found["AccountAccessKeysPresent"] = min(found["AccountAccessKeysPresent"], 1)
        return found

    # --- GetAccountAuthorizationDetails ---------------------------------------------------------
    # Each statement is built once, with the page's ids bound as one list (store.id_lists), and
    # runs on the driver's cursor (store.prepared): a page pays no query construction and no
    # SQLAlchemy result machinery for its few hundred detail rows.
    def inline_policies(
        self, owner_kind: OwnerKind, owner_ids: Sequence[str]
    ) -> dict[str, list[InlinePolicy]]:
        """The inline policies of each role, user or group, by name."""
        found: dict[str, list[InlinePolicy]] = defaultdict(list)
        if owner_ids:
            rows = _inline_statement(_INLINE_TABLES[owner_kind]).all(self._conn, {"ids": owner_ids})
            for owner_id, name, document in rows:
                found[owner_id].append(InlinePolicy(name, document))
        return found

    def attached_policies(
        self, owner_kind: OwnerKind, owner_ids: Sequence[str]
    ) -> dict[str, list[tuple[str, str]]]:
        """(name, ARN) of the managed policies attached to each principal, by policy name."""
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if owner_ids:
            params = {"kind": owner_kind.value, "ids": list(owner_ids)}
            pg = self._conn.dialect.name == "postgresql"
            for owner_id, name, arn in (_ATTACHED_PG if pg else _ATTACHED).all(self._conn, params):
                found[owner_id].append((name, arn))
        return found

    def policy_versions(self, policy_ids: Sequence[str]) -> dict[str, list[PolicyVersion]]:
        """Every version of each policy, newest first."""
        found: dict[str, list[PolicyVersion]] = defaultdict(list)
        if policy_ids:
            for policy_id, number, document, created in _VERSIONS.all(
                self._conn, {"ids": policy_ids}
            ):
                found[policy_id].append(PolicyVersion(number, document, created))
        return found

    def user_tags(self, user_ids: Iterable[str]) -> dict[str, tuple[Tag, ...]]:
        return TagStore(self._conn, user_tags).of_many(user_ids)

    def group_names(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """The groups each user is in, by group name."""
        found: dict[str, list[str]] = defaultdict(list)
        if user_ids:
            for user_id, group_name in _GROUP_NAMES.all(self._conn, {"ids": user_ids}):
                found[user_id].append(group_name)
        return found


_INLINE_TABLES = {
    OwnerKind.ROLE: role_policies,
    OwnerKind.USER: user_policies,
    OwnerKind.GROUP: group_policies,
}


@functools.cache
def _inline_statement(table: Table) -> Prepared:
    t = table.c
    return Prepared(
        select(t.owner_id, t.policy_name, t.policy_document)
        .where(in_ids(t.owner_id))
        .order_by(t.owner_id, t.name_key)
    )


_ATTACHED = Prepared(
    select(policy_attachments.c.owner_id, managed_policies.c.policy_name, managed_policies.c.arn)
    .join_from(
        policy_attachments,
        managed_policies,
        policy_attachments.c.policy_id == managed_policies.c.policy_id,
    )
    .where(
        policy_attachments.c.owner_kind == bindparam("kind"),
        in_ids(policy_attachments.c.owner_id),
        policy_attachments.c.usage == PolicyUsage.PERMISSIONS.value,
    )
    .order_by(
        policy_attachments.c.owner_id, managed_policies.c.name_key, managed_policies.c.account_id
    )
)

# PostgreSQL plans ``owner_id IN (100 ids)`` as a scan of every attachment joined by hash (up to
# at least 14,000 rows) instead of 100 primary-key probes, so a page would cost more in a larger
# account. Each id drives its own probe here: a LATERAL subquery that OFFSET 0 keeps from being
# flattened into a join, then a probe of managed_policies' key (same rows, same order).
_owner = (
    func.unnest(cast(bindparam("ids", type_=IdList()), ARRAY(String())))
    .table_valued("id")
    .render_derived(name="o")
)
_per_owner = (
    select(policy_attachments.c.owner_id, policy_attachments.c.policy_id)
    .where(
        policy_attachments.c.owner_kind == bindparam("kind"),
        policy_attachments.c.owner_id == _owner.c.id,
        policy_attachments.c.usage == PolicyUsage.PERMISSIONS.value,
    )
    .offset(0)
    .lateral("a")
)
_ATTACHED_PG = Prepared(
    select(_per_owner.c.owner_id, managed_policies.c.policy_name, managed_policies.c.arn)
    .select_from(_owner)
    .join(_per_owner, true())
    .join(managed_policies, managed_policies.c.policy_id == _per_owner.c.policy_id)
    .order_by(_per_owner.c.owner_id, managed_policies.c.name_key, managed_policies.c.account_id)
)
_VERSIONS = Prepared(
    select(
        policy_versions.c.policy_id,
        policy_versions.c.version,
        policy_versions.c.document,
        policy_versions.c.create_date,
    )
    .where(in_ids(policy_versions.c.policy_id))
    .order_by(policy_versions.c.policy_id, policy_versions.c.version.desc())
)
_GROUP_NAMES = Prepared(
    select(group_members.c.user_id, groups.c.group_name)
    .join_from(group_members, groups, group_members.c.group_id == groups.c.group_id)
    .where(in_ids(group_members.c.user_id))
    .order_by(group_members.c.user_id, groups.c.name_key)
)


def _count(table: Table, *conditions: ColumnElement[bool]) -> ScalarSelect[int]:
    return select(func.count()).select_from(table).where(*conditions).scalar_subquery()
