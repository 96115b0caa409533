"""The AWS managed policies rolegate ships, and the ones operators add (docs/iam.md,
"AWS managed policies").

Each policy is one JSON file: ``PolicyName``, ``Path``, ``Description``, ``DefaultVersionId``,
``CreateDate``, ``UpdateDate``, ``Document`` (the policy as a JSON object) and optionally
``IsAttachable`` (default: true unless the path starts with ``/aws-service-role/``, AWS's
service-role policies, which only service-linked roles may use). Shipped files are in
``catalog/aws_managed_policy_files/``; files in the directory named by
``ROLEGATE_AWS_MANAGED_POLICIES_DIR`` are added to them and replace a shipped policy of the
same name.

This module reads the files; the policy grammar check and writing them to the store under the
``aws`` account are ``rolegate.services.iam.policies.aws_managed``'s.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rolegate.domain.ids import IdPrefix
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    parse_version_id,
    policy_arn,
)

SHIPPED_DIR = Path(__file__).parent / "aws_managed_policy_files"
SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    policy: ManagedPolicy
    document: str
    source: Path  # the file it was read from, for errors found later


def read_catalogue(extra_dir: Path | None = None) -> list[CatalogueEntry]:
    """The shipped policies plus those in ``extra_dir`` (which win on equal names), as written:
    their documents are not checked against the policy grammar here."""
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
        created = datetime.fromisoformat(str(raw["CreateDate"]))
        updated = datetime.fromisoformat(str(raw.get("UpdateDate") or raw["CreateDate"]))
        attachable = bool(raw.get("IsAttachable", not path.startswith(SERVICE_ROLE_PATH)))
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
