"""``rolegate policy ...``: the policy engine on the command line.

``rolegate policy validate FILE [--kind KIND] [--json]`` prints AWS's findings for a document
(``-`` reads standard input) and exits 0 when it is valid, 1 when it is not, 2 on usage errors.
A valid document also gets warnings (code ``Warning``) for actions and condition keys that no
service defines: AWS's, from the Service Authorization Reference, and the operator's, from the
service catalogue ``ROLEGATE_SERVICE_CATALOG`` names.
Each command lives in its own function; ``add_policy_commands`` registers them all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from rolegate.catalog.operator_services import CATALOG_ENV, ServiceCatalogError, service_reference
from rolegate.catalog.service_reference import ServiceReference
from rolegate.cli.policy_eval import add_eval_command
from rolegate.domain.errors import AwsError
from rolegate.policy import PolicyKind, PolicyParseError, find_problems, parse_policy_of_kind
from rolegate.policy.limits import (
    check_managed_policy_size,
    check_session_policy_size,
    check_trust_policy_size,
)
from rolegate.policy.validate_references import unknown_references

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
#: IAM/STS quotas by kind; resource policies (service-specific) and SCPs (Organizations) have
#: their own limits, not IAM's.
_SIZE_CHECKS: dict[PolicyKind, Callable[[str], None]] = {
    PolicyKind.IDENTITY: check_managed_policy_size,
    PolicyKind.BOUNDARY: check_managed_policy_size,
    PolicyKind.TRUST: check_trust_policy_size,
    PolicyKind.SESSION: check_session_policy_size,
}


def add_policy_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``policy validate`` (and the other policy commands) on the main CLI."""
    policy = subparsers.add_parser("policy", help="validate and evaluate IAM policy documents")
    commands = policy.add_subparsers(dest="policy_command", required=True, metavar="SUBCOMMAND")
    add_validate_command(commands)
    add_eval_command(commands)  # rolegate.cli.policy_eval


# --- policy validate -----------------------------------------------------------------------------
def add_validate_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    validate = commands.add_parser(
        "validate",
        help="check a policy document the way IAM does",
        description="Print AWS's MalformedPolicyDocument/LimitExceeded findings for a policy "
        "document. Size quotas: identity and boundary 6,144 characters, trust 2,048 (both "
        "without whitespace), session 2,048 (whitespace included); none for resource and scp. "
        "Exit status: 0 valid, 1 invalid, 2 usage error.",
    )
    validate.add_argument("file", metavar="FILE", help="policy document (JSON); - for stdin")
    validate.add_argument(
        "--kind",
        choices=[kind.value for kind in PolicyKind],
        default=PolicyKind.IDENTITY.value,
        help="where the policy is used (default: identity)",
    )
    validate.add_argument(
        "--json", action="store_true", help="print each finding as one JSON object per line"
    )
    validate.set_defaults(handler=run_validate)


@dataclass(frozen=True, slots=True)
class _Report:
    code: str
    message: str
    line: int | None = None
    column: int | None = None
    statement: int | None = None
    detail: str = ""


def run_validate(args: argparse.Namespace) -> int:
    try:
        text = _read_text(args.file)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"rolegate policy validate: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        reference = service_reference()
    except ServiceCatalogError as exc:
        print(f"rolegate policy validate: {CATALOG_ENV}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reports = list(policy_reports(text, PolicyKind(args.kind)))
    warnings = [] if reports else list(reference_warnings(text, PolicyKind(args.kind), reference))
    everything = reports + warnings
    _print_reports(everything, args.file, PolicyKind(args.kind), as_json=args.json, out=sys.stdout)
    return EXIT_INVALID if reports else EXIT_VALID


def reference_warnings(
    text: str, kind: PolicyKind, reference: ServiceReference
) -> Iterator[_Report]:
    """Actions and condition keys that no service defines (AWS's Service Authorization Reference
    and the operator's catalogue): warnings, since IAM accepts them."""
    for finding in unknown_references(parse_policy_of_kind(text, kind), reference):
        position = finding.position
        yield _Report(
            "Warning",
            finding.message,
            position.line if position else None,
            position.column if position else None,
            finding.statement_index,
        )


def policy_reports(text: str, kind: PolicyKind) -> Iterator[_Report]:
    """Size quota first, then the syntax error or every validation finding, in AWS's order."""
    size_check = _SIZE_CHECKS.get(kind)
    try:
        if size_check is not None:
            size_check(text)
    except AwsError as exc:
        yield _Report(exc.code, exc.message)
    try:
        document = parse_policy_of_kind(text, kind)
    except PolicyParseError as exc:
        line, column = (exc.position.line, exc.position.column) if exc.position else (None, None)
        yield _Report(exc.code, exc.message, line, column, detail=exc.detail)
        return
    for finding in find_problems(document, kind):
        position = finding.position
        yield _Report(
            "MalformedPolicyDocument",
            finding.message,
            position.line if position else None,
            position.column if position else None,
            finding.statement_index,
        )


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as file:
        return file.read()


def _print_reports(
    reports: list[_Report], path: str, kind: PolicyKind, *, as_json: bool, out: TextIO
) -> None:
    if not any(report.code != "Warning" for report in reports) and not as_json:
        print(f"{path}: valid {kind.value} policy", file=out)
    for report in reports:
        if as_json:
            record = {"file": path, "kind": kind.value, **_as_dict(report)}
            print(json.dumps(record, ensure_ascii=False), file=out)
            continue
        where = f"{path}:{report.line}:{report.column}" if report.line is not None else path
        detail = f" [{report.detail}]" if report.detail else ""
        print(f"{where}: {report.code}: {report.message}{detail}", file=out)


def _as_dict(report: _Report) -> dict[str, object]:
    return {
        "code": report.code,
        "message": report.message,
        "line": report.line,
        "column": report.column,
        "statement": report.statement,
        "detail": report.detail,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m rolegate.cli.policy_cmd policy validate ...``: the policy commands alone."""
    parser = argparse.ArgumentParser(prog="rolegate")
    add_policy_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
