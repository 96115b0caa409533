"""The AWS managed policies rolegate ships, and the ones operators add (README, "AWS managed
policies").

Each policy is one JSON file: ``PolicyName``, ``Path``, ``Description``, ``DefaultVersionId``,
``CreateDate``, ``UpdateDate``, ``Document`` (the policy as a JSON object) and optionally
``IsAttachable`` (default: true unless the path starts with ``/aws-service-role/``, AWS's
service-role policies, which only service-linked roles may use). Shipped files are in
``services/aws_managed_policy_files/``; files in the directory named by
``ROLEGATE_AWS_MANAGED_POLICIES_DIR`` are added to them and replace a shipped policy of the
same name.

At start the catalogue is written to the store under the ``aws`` account, so every account sees
the same policies (``arn:aws:iam::aws:policy/<path><name>``); a changed file replaces the stored
policy's versions with its one version.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rolegate.domain.ids import IdPrefix
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    PolicyVersion,
    parse_version_id,
    policy_arn,
)
from rolegate.policy import PolicyKind, validate_policy
from rolegate.store import Conflict, Tx

SHIPPED_DIR = Path(__file__).parent / "aws_managed_policy_files"
SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    policy: ManagedPolicy
    document: str


def load_catalogue(extra_dir: Path | None = None) -> list[CatalogueEntry]:
    """The shipped policies plus those in ``extra_dir`` (which win on equal names)."""
    entries: dict[str, CatalogueEntry] = {}
    for directory in (SHIPPED_DIR, extra_dir):
        if directory is None:
            continue
        if not directory.is_dir():
            raise ValueError(f"AWS managed policies directory {directory} does not exist")
        for file in sorted(directory.glob("*.json")):
            entry = _entry(file)
            entries[entry.policy.policy_name.lower()] = entry
    return sorted(entries.values(), key=lambda e: e.policy.policy_name.lower())


def install(tx: Tx, catalogue: Iterable[CatalogueEntry]) -> None:
    """Store every catalogue policy that is missing or differs from its file."""
    repo = tx.managed_policies
    for entry in catalogue:
        wanted = entry.policy
        version = PolicyVersion(wanted.default_version, entry.document, wanted.update_date)
        stored = repo.get(AWS_ACCOUNT, wanted.policy_name)
        if stored is None:
            try:
                repo.create(wanted, version)
            except Conflict:  # another node installed it at the same moment
                pass
            continue
        current = repo.get_version(stored.policy_id, stored.default_version)
        if stored.default_version == wanted.default_version and current == version:
            continue
        for old in repo.versions(stored.policy_id):
            repo.delete_version(stored.policy_id, old.version)
        repo.add_version(stored.policy_id, version)
        repo.update(replace(wanted, policy_id=stored.policy_id))


def aws_policy_id(name: str) -> str:
    """A stable ANPA… id for an AWS managed policy, the same on every node and database."""
    digest = hashlib.sha256(f"aws-managed-policy:{name}".encode()).digest()
    return IdPrefix.MANAGED_POLICY + base64.b32encode(digest).decode("ascii")[:17]


def _entry(file: Path) -> CatalogueEntry:
    try:
        raw: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        name = str(raw["PolicyName"])
        path = str(raw.get("Path") or "/")
        number = parse_version_id(str(raw["DefaultVersionId"]))
        if number is None:
            raise ValueError(f"DefaultVersionId {raw['DefaultVersionId']!r} is not vN")
        document = json.dumps(raw["Document"], indent=4)
        validate_policy(document, PolicyKind.IDENTITY)
        created = datetime.fromisoformat(str(raw["CreateDate"]))
        updated = datetime.fromisoformat(str(raw.get("UpdateDate") or raw["CreateDate"]))
        attachable = bool(raw.get("IsAttachable", not path.startswith(SERVICE_ROLE_PATH)))
    except Exception as exc:
        raise ValueError(f"bad AWS managed policy file {file}: {exc}") from exc
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
    return CatalogueEntry(policy, document)
