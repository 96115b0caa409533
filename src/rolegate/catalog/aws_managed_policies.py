"""AWS's managed policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html):
every one AWS publishes, with its versions, from ``aws_managed_policies.zip``
(``managed_policy_archive``), plus the ones an operator adds.

Nothing is read until a request needs it; then the archive's index (names, paths, dates,
version numbers) is read once, and documents one policy at a time.

Operator files: one JSON file per policy in the directory named by
``ROLEGATE_AWS_MANAGED_POLICIES_DIR``, with ``PolicyName``, ``Path``, ``Description``,
``DefaultVersionId``, ``CreateDate``, ``UpdateDate``, ``Document`` (the policy as a JSON object)
and optionally ``IsAttachable`` (default true). Such a policy has that one version and replaces
an archived policy of the same name. ``rolegate.services.iam.policies.aws_managed`` checks them
against the policy grammar and installs the result with :func:`configure`.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rolegate.catalog.managed_policy_archive import PolicyArchive
from rolegate.domain.ids import IdPrefix
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    PolicyVersion,
    parse_version_id,
    policy_arn,
    split_policy_arn,
)

# AWS's service-role policies, which only service-linked roles may use
SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A policy from an operator's file."""

    policy: ManagedPolicy
    document: str
    source: Path  # the file it was read from, for errors found later


@dataclass(frozen=True, slots=True)
class _Known:
    policy: ManagedPolicy
    versions: tuple[tuple[int, str], ...]  # (number, create date), newest first
    operator: CatalogueEntry | None  # set for an operator's policy (its one version)


class AwsManagedCatalogue:
    """The AWS managed policies, by case-folded name, in ListPolicies' order."""

    def __init__(self, archive: PolicyArchive, operator: Iterable[CatalogueEntry] = ()) -> None:
        self._archive = archive
        self._operator = {e.policy.policy_name.lower(): e for e in operator}
        self._lock = threading.Lock()
        self._index: tuple[list[str], dict[str, _Known], str] | None = None

    def _loaded(self) -> tuple[list[str], dict[str, _Known], str]:
        with self._lock:
            if self._index is None:
                self._index = self._read_index()
            return self._index

    def _read_index(self) -> tuple[list[str], dict[str, _Known], str]:
        source, rows = self._archive.index()
        known: dict[str, _Known] = {}
        for name, path, description, created, updated, default, versions in rows:
            policy = ManagedPolicy(
                account_id=AWS_ACCOUNT,
                policy_id=aws_policy_id(name),
                policy_name=name,
                path=path,
                arn=policy_arn(AWS_ACCOUNT, path, name),
                create_date=datetime.fromisoformat(created),
                update_date=datetime.fromisoformat(updated),
                default_version=default,
                latest_version=versions[0][0],
                description=description,
            )
            known[name.lower()] = _Known(policy, tuple((n, d) for n, d in versions), None)
        for key, entry in self._operator.items():
            date = entry.policy.update_date.isoformat()
            known[key] = _Known(entry.policy, ((entry.policy.default_version, date),), entry)
        return sorted(known), known, source

    @property
    def source(self) -> str:
        """Where the archive came from (``package@version``)."""
        return self._loaded()[2]

    def __len__(self) -> int:
        return len(self._loaded()[0])

    def names(self) -> list[str]:
        keys, known, _ = self._loaded()
        return [known[k].policy.policy_name for k in keys]

    def get(self, name: str) -> ManagedPolicy | None:
        found = self._loaded()[1].get(name.lower())
        return None if found is None else found.policy

    def by_arn(self, arn: str) -> ManagedPolicy | None:
        """The policy ``arn`` names: its name matches without regard to case, its path exactly."""
        parts = split_policy_arn(arn)
        if parts is None or parts.account != AWS_ACCOUNT:
            return None
        policy = self.get(parts.name)
        return policy if policy is not None and policy.path == parts.path else None

    def page(
        self, path_prefix: str, after: tuple[str, str] | None, limit: int
    ) -> list[ManagedPolicy]:
        """Up to ``limit`` policies whose path starts with ``path_prefix``, in ListPolicies'
        order (case-folded name, then account) after the key ``after``."""
        keys, known, _ = self._loaded()
        start = 0
        if after is not None:
            name, account = after
            # Same case-folded name: this account's policy sorts after a 12-digit account's.
            start = (bisect.bisect_left if account < AWS_ACCOUNT else bisect.bisect_right)(
                keys, name
            )
        out: list[ManagedPolicy] = []
        for key in keys[start:]:
            policy = known[key].policy
            if policy.path.startswith(path_prefix):
                out.append(policy)
                if len(out) == limit:
                    break
        return out

    def version(self, name: str, number: int) -> PolicyVersion | None:
        found = self._loaded()[1].get(name.lower())
        if found is None:
            return None
        dates = dict(found.versions)
        if number not in dates:
            return None
        created = datetime.fromisoformat(dates[number])
        if found.operator is not None:
            return PolicyVersion(number, found.operator.document, created)
        if number == found.policy.default_version:
            document = self._archive.default_document(found.policy.policy_name)
        else:
            document = self._archive.versions(found.policy.policy_name)[number]
        return PolicyVersion(number, document, created)

    def default_version(self, name: str) -> PolicyVersion | None:
        policy = self.get(name)
        return None if policy is None else self.version(name, policy.default_version)

    def version_dates(self, name: str) -> list[tuple[int, datetime]]:
        """Every version's number and creation, newest first."""
        found = self._loaded()[1].get(name.lower())
        if found is None:
            return []
        return [(n, datetime.fromisoformat(date)) for n, date in found.versions]

    def versions(self, name: str) -> list[PolicyVersion]:
        """Every version, newest first (as ListPolicyVersions shows them)."""
        found = self._loaded()[1].get(name.lower())
        if found is None:
            return []
        if found.operator is not None:
            only = found.policy.default_version
            return [PolicyVersion(only, found.operator.document, found.policy.update_date)]
        documents = self._archive.versions(found.policy.policy_name)
        return [
            PolicyVersion(n, documents[n], datetime.fromisoformat(date))
            for n, date in found.versions
        ]


_lock = threading.Lock()
_current: AwsManagedCatalogue | None = None


def aws_managed_catalogue() -> AwsManagedCatalogue:
    """The catalogue in force: the shipped archive plus what :func:`configure` last added."""
    global _current
    with _lock:
        if _current is None:
            _current = AwsManagedCatalogue(PolicyArchive())
        return _current


def configure(operator: Iterable[CatalogueEntry]) -> AwsManagedCatalogue:
    """Put in force the shipped archive plus the operator's policies (each server process does
    this at start)."""
    global _current
    with _lock:
        _current = AwsManagedCatalogue(_shared_archive(), operator)
        return _current


@functools.cache
def _shared_archive() -> PolicyArchive:
    return PolicyArchive()


def read_operator_files(directory: Path) -> list[CatalogueEntry]:
    """The policies in an operator's directory, as written: their documents are not checked
    against the policy grammar here."""
    if not directory.is_dir():
        raise ValueError(f"AWS managed policies directory {directory} does not exist")
    entries = {}
    for file in sorted(directory.glob("*.json")):
        entry = _entry(file)
        entries[entry.policy.policy_name.lower()] = entry
    return sorted(entries.values(), key=lambda e: e.policy.policy_name.lower())


def aws_policy_id(name: str) -> str:
    """A stable ANPA… id for an AWS managed policy, the same on every node and database."""
    digest = hashlib.sha256(f"aws-managed-policy:{name}".encode()).digest()
    # 17 base32 characters come from the first 15 bytes (whole 5-byte groups): the same text as
    # encoding the whole digest, at a third of the cost (the catalogue makes 1,600 of them).
    return IdPrefix.MANAGED_POLICY + base64.b32encode(digest[:15]).decode("ascii")[:17]


def _entry(file: Path) -> CatalogueEntry:
    try:
        raw: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        name = str(raw["PolicyName"])
        path = str(raw.get("Path") or "/")
        number = parse_version_id(str(raw["DefaultVersionId"]))
        if number is None:
            raise ValueError(f"DefaultVersionId {raw['DefaultVersionId']!r} is not vN")
        document = json.dumps(raw["Document"], indent=4)
        created = datetime.fromisoformat(str(raw["CreateDate"]))
        updated = datetime.fromisoformat(str(raw.get("UpdateDate") or raw["CreateDate"]))
        attachable = bool(raw.get("IsAttachable", True))
    except Exception as exc:
        raise bad_file(file, exc) from exc
    policy = ManagedPolicy(
        account_id=AWS_ACCOUNT,
        policy_id=aws_policy_id(name),
        policy_name=name,
        path=path,
        arn=policy_arn(AWS_ACCOUNT, path, name),
        create_date=created,
        update_date=updated,
        default_version=number,
        latest_version=number,
        description=raw.get("Description"),
        is_attachable=attachable,
    )
    return CatalogueEntry(policy, document, file)


def bad_file(file: Path, problem: Exception) -> ValueError:
    return ValueError(f"bad AWS managed policy file {file}: {problem}")
