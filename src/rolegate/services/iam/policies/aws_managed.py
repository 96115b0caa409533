"""AWS managed policies (``arn:aws:iam::aws:policy/...``) in the services.

They are read from the catalogue (``rolegate.catalog.aws_managed_policies``): reading one
costs nothing in the database. The database holds a copy of the ones principals use, written the
first time one is attached, set as a boundary or given to a service-linked role, so attachments
and usage counts have a policy row to point at and the policy engine finds the default version
with the principal's other policies. The copy holds the default version only; at every start
the copies are brought up to date with the catalogue.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from rolegate.catalog.aws_managed_policies import (
    AwsManagedCatalogue,
    aws_managed_catalogue,
    bad_file,
    configure,
    read_operator_files,
)
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    PolicyVersion,
    UsageCounts,
    split_policy_arn,
)
from rolegate.policy import PolicyKind, validate_policy
from rolegate.store import Conflict, InvalidMarker, Page, Tx, decode_marker, encode_marker

_LISTING = "policies"  # the store's ListPolicies markers: one page may hold both kinds


def load_aws_managed_policies(extra_dir: Path | None = None) -> AwsManagedCatalogue:
    """Put in force the shipped catalogue plus the policies in ``extra_dir``, each of those a
    valid identity policy (ValueError naming the file otherwise)."""
    entries = read_operator_files(extra_dir) if extra_dir is not None else []
    for entry in entries:
        try:
            validate_policy(entry.document, PolicyKind.IDENTITY)
        except Exception as exc:
            raise bad_file(entry.source, exc) from exc
    return configure(entries)


def install_aws_managed_policies(tx: Tx, catalogue: AwsManagedCatalogue) -> None:
    """Bring the stored copies of AWS managed policies up to date with ``catalogue`` (a copy
    of a policy the catalogue no longer has is kept: principals still use it)."""
    repo = tx.managed_policies

    def up_to_date(stored: ManagedPolicy, wanted: ManagedPolicy, version: PolicyVersion) -> bool:
        current = repo.get_version(stored.policy_id, stored.default_version)
        return replace(wanted, policy_id=stored.policy_id) == stored and current == version

    for stored in repo.of_account(AWS_ACCOUNT):
        wanted = catalogue.get(stored.policy_name)
        if wanted is None or wanted.path != stored.path:
            continue
        version = catalogue.default_version(wanted.policy_name)
        if version is None or up_to_date(stored, wanted, version):
            continue
        # Every server process does this at start: the first to lock the copy updates it.
        locked = repo.lock(stored.policy_id, exclusive=True)
        if locked is None or up_to_date(locked, wanted, version):
            continue
        for old in repo.versions(stored.policy_id):
            repo.delete_version(stored.policy_id, old.version)
        repo.add_version(stored.policy_id, version)
        repo.update(replace(wanted, policy_id=stored.policy_id))


def find_policy(tx: Tx, arn: str) -> ManagedPolicy | None:
    """The managed policy ``arn`` names: an AWS managed one from the catalogue (or the stored
    copy of one the catalogue no longer has), any other from the database."""
    parts = split_policy_arn(arn)
    if parts is not None and parts.account == AWS_ACCOUNT:
        found = aws_managed_catalogue().by_arn(arn)
        if found is not None:
            return found
    return tx.managed_policies.get_by_arn(arn)


def stored_policy(tx: Tx, arn: str) -> ManagedPolicy | None:
    """The database's row of the managed policy ``arn`` names, for a principal to use: an AWS
    managed policy is copied there from the catalogue the first time."""
    repo = tx.managed_policies
    stored = repo.get_by_arn(arn)
    if stored is not None:
        return stored
    catalogue = aws_managed_catalogue()
    wanted = catalogue.by_arn(arn)
    version = None if wanted is None else catalogue.default_version(wanted.policy_name)
    if wanted is None or version is None:
        return None
    try:
        repo.create(wanted, version)
    except Conflict:  # another request copied it first
        pass
    return repo.get_by_arn(arn)


def list_with_catalogue(
    tx: Tx, account_id: str, scope: str, path_prefix: str, marker: str | None, max_items: int
) -> Page[tuple[ManagedPolicy, UsageCounts]]:
    """A ListPolicies page of every AWS managed policy (Scope=AWS) or those and the account's
    own (Scope=All), in (case-folded name, account) order. A page reads at most ``max_items``
    + 1 catalogue entries and one page of the account's policies, so it costs the same however
    many policies there are."""
    after = None if marker is None else _sort_key(decode_marker(_LISTING, marker))
    items: list[tuple[ManagedPolicy, UsageCounts | None]] = [
        (policy, None) for policy in aws_managed_catalogue().page(path_prefix, after, max_items + 1)
    ]
    more_local = False
    if scope == "All":
        local = tx.managed_policies.list_policies_with_counts(
            account_id, scope="Local", path_prefix=path_prefix, marker=marker, max_items=max_items
        )
        items.extend(local.items)
        more_local = local.next_marker is not None
    items.sort(key=lambda item: (item[0].policy_name.lower(), item[0].account_id))
    truncated = more_local or len(items) > max_items
    page = items[:max_items]
    counts = tx.managed_policies.usage_counts(
        account_id, [p.policy_id for p, c in page if c is None]
    )
    out = [(p, c if c is not None else counts.get(p.policy_id, UsageCounts())) for p, c in page]
    next_marker = None
    if truncated and page:
        last = page[-1][0]
        next_marker = encode_marker(_LISTING, f"{last.policy_name.lower()}\n{last.account_id}")
    return Page(out, next_marker)


def _sort_key(key: str) -> tuple[str, str]:
    name, sep, account = key.partition("\n")
    if not sep or not account:
        raise InvalidMarker(key)
    return name, account


def catalogued(policy: ManagedPolicy) -> bool:
    """Whether ``policy`` is an AWS managed policy the catalogue has (its versions are there)."""
    return (
        policy.account_id == AWS_ACCOUNT and aws_managed_catalogue().by_arn(policy.arn) is not None
    )


def policy_version(tx: Tx, policy: ManagedPolicy, number: int) -> PolicyVersion | None:
    if catalogued(policy):
        return aws_managed_catalogue().version(policy.policy_name, number)
    return tx.managed_policies.get_version(policy.policy_id, number)


def policy_versions(tx: Tx, policy: ManagedPolicy) -> list[PolicyVersion]:
    """Every version with its document, newest first."""
    if catalogued(policy):
        return aws_managed_catalogue().versions(policy.policy_name)
    return tx.managed_policies.versions(policy.policy_id)


def version_dates(tx: Tx, policy: ManagedPolicy) -> list[tuple[int, datetime]]:
    """Every version's number and creation, newest first, without reading documents."""
    if catalogued(policy):
        return aws_managed_catalogue().version_dates(policy.policy_name)
    return [(v.version, v.create_date) for v in tx.managed_policies.versions(policy.policy_id)]
