"""The AWS managed policies in the store: the catalogue (``rolegate.catalog.aws_managed_policies``)
checked against the policy grammar and written under the ``aws`` account at start, so every
account sees the same policies (``arn:aws:iam::aws:policy/<path><name>``). A changed file
replaces the stored policy's versions with its one version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from rolegate.catalog.aws_managed_policies import CatalogueEntry, bad_file, read_catalogue
from rolegate.domain.managed_policy import AWS_ACCOUNT, PolicyVersion
from rolegate.policy import PolicyKind, validate_policy
from rolegate.store import Conflict, Tx


def load_aws_managed_policies(extra_dir: Path | None = None) -> list[CatalogueEntry]:
    """The catalogue (shipped files plus ``extra_dir``'s), each document a valid identity
    policy; ValueError naming the file otherwise."""
    entries = read_catalogue(extra_dir)
    for entry in entries:
        try:
            validate_policy(entry.document, PolicyKind.IDENTITY)
        except Exception as exc:
            raise bad_file(entry.source, exc) from exc
    return entries


def install_aws_managed_policies(tx: Tx, catalogue: Iterable[CatalogueEntry]) -> None:
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
