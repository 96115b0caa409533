"""Check ``src/rolegate/catalog/service_linked_roles.json``, rolegate's catalogue of service-linked
roles, against data others keep up to date: a refresh aid, it changes nothing.

Usage (docs/iam.md, "AWS catalogues"):

    .venv/bin/python scripts/check_service_linked_roles.py [--services-page FILE]

It reports, from the AWS managed policies rolegate ships (``aws_managed_policies.zip``):

- every policy under ``/aws-service-role/`` that no catalogued service attaches and the
  catalogue's ``not_creatable`` section does not explain: candidates for services the catalogue
  is missing;
- the policies ``not_creatable`` explains (no entry on purpose: a retired service, a preview
  policy, a second role of a catalogued principal, contradictory or missing documentation), each
  with its category, reason and the AWS page consulted;
- every catalogued ``policy_arns`` entry that is not such a policy, and every ``not_creatable``
  entry for a policy that a catalogued service attaches or that is not such a policy: stale
  entries.

With ``--services-page``, the markdown source of "AWS services that work with IAM" (the
awsdocs/iam-user-guide file ``doc_source/reference_aws-services-that-work-with-iam.md``), it
also lists the services whose "Service-linked roles" column says Yes or Partial, with the link to
their page on service-linked roles. The page names services, not service principals, so
comparing that list with the catalogue is left to the maintainer.

Exit status: 0 when every service-role policy is catalogued or explained and no entry is stale, 1
otherwise (2 for bad arguments).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rolegate.catalog import (
    SERVICE_ROLE_PATH,
    AwsManagedCatalogue,
    LinkedService,
    NotCreatable,
    aws_managed_catalogue,
    not_creatable,
    service_catalog,
)


@dataclass(frozen=True, slots=True)
class Findings:
    unattached: list[tuple[str, str | None]]  # (ARN, description), unexplained, sorted
    stale: list[tuple[str, str, str]]  # (service principal, ARN, why), sorted
    explained: list[NotCreatable] = field(default_factory=list)  # by ARN
    stale_explanations: list[tuple[str, str]] = field(default_factory=list)  # (ARN, why), sorted


@dataclass(frozen=True, slots=True, order=True)
class PageRow:
    service: str  # as the page names it, e.g. "AWS Batch"
    support: str  # "Yes" or "Partial"
    link: str | None  # the service's page on service-linked roles, if the cell links one


def compare(
    services: Mapping[str, LinkedService],
    policies: AwsManagedCatalogue,
    explanations: Mapping[str, NotCreatable] | None = None,
) -> Findings:
    attached: dict[str, str] = {}  # policy ARN -> a service principal that attaches it
    stale: list[tuple[str, str, str]] = []
    for name, service in services.items():
        for arn in service.policy_arns:
            policy = policies.by_arn(arn)
            if policy is None:
                stale.append((name, arn, "no such AWS managed policy"))
            elif not policy.path.startswith(SERVICE_ROLE_PATH):
                stale.append((name, arn, f"its path is {policy.path}, not {SERVICE_ROLE_PATH}"))
            else:
                attached.setdefault(policy.arn, name)
    explained: dict[str, NotCreatable] = {}
    stale_explanations: list[tuple[str, str]] = []
    for arn, explanation in (explanations or {}).items():
        policy = policies.by_arn(arn)
        if policy is None:
            stale_explanations.append((arn, "no such AWS managed policy"))
        elif not policy.path.startswith(SERVICE_ROLE_PATH):
            stale_explanations.append((arn, f"its path is {policy.path}, not {SERVICE_ROLE_PATH}"))
        elif policy.arn in attached:
            stale_explanations.append((arn, f"{attached[policy.arn]} attaches it"))
        else:
            explained[policy.arn] = explanation
    role_policies = policies.page(SERVICE_ROLE_PATH, None, max(len(policies), 1))
    unattached = [
        (p.arn, p.description)
        for p in role_policies
        if p.arn not in attached and p.arn not in explained
    ]
    return Findings(
        sorted(unattached),
        sorted(stale),
        [explained[arn] for arn in sorted(explained)],
        sorted(stale_explanations),
    )


_IMAGE = re.compile(r"!\[(?:\\.|[^\]\\])*\]\([^)]*\)")
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)")
_SUPPORT = re.compile(r"\b(Yes|Partial|No)\b")
_NOTE_MARKS = str.maketrans("", "", "¹²³⁴⁵⁶⁷⁸⁹⁰*")


def _text(markdown: str) -> str:
    """A cell's words: links' text, no escapes, emphasis or footnote marks."""
    plain = _LINK.sub(lambda m: m.group(1), _IMAGE.sub("", markdown))
    return re.sub(r"\\(.)", r"\1", plain).translate(_NOTE_MARKS).strip()


def parse_services_page(markdown: str) -> list[PageRow]:
    """The table rows whose "Service-linked roles" column says Yes or Partial, sorted."""
    rows: set[PageRow] = set()
    column: int | None = None  # the current table's "Service-linked roles" column
    for line in markdown.splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        headings = [_text(c).lower() for c in cells]
        if "service-linked roles" in headings:
            column = headings.index("service-linked roles")
            continue
        if column is None or column >= len(cells) or set(line) <= set("|- "):
            continue
        cell = _IMAGE.sub("", cells[column])
        support = _SUPPORT.search(_text(cell))
        if support is None or support.group(1) == "No":
            continue
        link = _LINK.search(cell)
        rows.add(PageRow(_text(cells[0]), support.group(1), link.group(2) if link else None))
    return sorted(rows)


def report(
    services: Mapping[str, LinkedService],
    findings: Findings,
    source: str,
    page: Sequence[PageRow] | None = None,
) -> str:
    lines = [
        f"Service-linked-role catalogue: {len(services)} services; AWS managed policies: {source}",
        "",
        f"AWS managed policies under {SERVICE_ROLE_PATH} that no catalogued service attaches",
        "and not_creatable does not explain",
        f"(candidates for missing services): {len(findings.unattached)}",
        *(f"  {arn}" + (f"  # {about}" if about else "") for arn, about in findings.unattached),
        "",
        f"Explained by not_creatable (no entry on purpose): {len(findings.explained)}",
        *(
            f"  {e.policy_arn} [{e.category}] {e.reason}" + (f" ({e.url})" if e.url else "")
            for e in findings.explained
        ),
        "",
        f"Catalogued policy ARNs that are not service-role policies (stale): {len(findings.stale)}",
        *(f"  {name}: {arn} ({why})" for name, arn, why in findings.stale),
        "",
        "not_creatable entries for policies that are attached or are not service-role policies",
        f"(stale explanations): {len(findings.stale_explanations)}",
        *(f"  {arn} ({why})" for arn, why in findings.stale_explanations),
    ]
    if page is not None:
        yes = sum(1 for row in page if row.support == "Yes")
        lines += [
            "",
            f'"AWS services that work with IAM" rows with service-linked roles: {len(page)}',
            f"({yes} Yes, {len(page) - yes} Partial). The page names services, not service",
            "principals: matching them with the catalogue is left to the maintainer.",
            *(f"  {row.service} [{row.support}] {row.link or '(no link)'}" for row in page),
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--services-page",
        type=Path,
        metavar="FILE",
        help="reference_aws-services-that-work-with-iam.md from awsdocs/iam-user-guide",
    )
    args = parser.parse_args(argv)
    services = service_catalog({})  # the built-in catalogue, whatever the environment says
    policies = aws_managed_catalogue()
    findings = compare(services, policies, not_creatable())
    page = None
    if args.services_page is not None:
        page = parse_services_page(args.services_page.read_text(encoding="utf-8"))
    sys.stdout.write(report(services, findings, policies.source, page))
    return 1 if findings.unattached or findings.stale or findings.stale_explanations else 0


if __name__ == "__main__":
    sys.exit(main())
