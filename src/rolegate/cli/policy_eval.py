"""``rolegate policy eval [FILE|-]``: decide evaluation cases, one JSON decision per line.

Input: one JSON case, a JSON array of cases, or one case per line (format:
:mod:`rolegate.policy.cases`). Output per case::

    {"decision": "Allow|ImplicitDeny|ExplicitDeny", "matched": [...], "missing_allow": [...]}

or ``{"error": {"code": "MalformedPolicyDocument", "message": "..."}}`` for a case that cannot be
evaluated. Exit status: 0 when every case was decided, 1 when a case had an error, 2 when the
input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from rolegate.domain.errors import AwsError
from rolegate.policy.cases import CaseError, evaluate_case
from rolegate.policy.compile import PolicyCompiler

EXIT_DECIDED, EXIT_CASE_ERROR, EXIT_USAGE = 0, 1, 2


def add_eval_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "eval",
        help="evaluate requests against policies the way AWS does",
        description="Read evaluation cases (a JSON case, a JSON array, or one case per line) and "
        "print one JSON decision per line. Exit status: 0 decided, 1 a case failed, 2 bad input.",
    )
    command.add_argument("file", nargs="?", default="-", metavar="FILE", help="- for stdin")
    command.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"rolegate policy eval: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return eval_text(text, sys.stdout, sys.stderr)


def eval_text(text: str, out: TextIO, err: TextIO) -> int:
    """Decide every case of ``text``, writing one JSON line per case to ``out``."""
    try:
        cases = list(read_cases(text))
    except ValueError as exc:
        print(f"rolegate policy eval: {exc}", file=err)
        return EXIT_USAGE
    compiler = PolicyCompiler()
    status = EXIT_DECIDED
    for case in cases:
        try:
            result: dict[str, Any] = evaluate_case(case, compiler).to_json()
        except AwsError as exc:
            result = {"error": {"code": exc.code, "message": exc.message}}
            status = EXIT_CASE_ERROR
        except CaseError as exc:
            result = {"error": {"code": "InvalidCase", "message": str(exc)}}
            status = EXIT_CASE_ERROR
        out.write(json.dumps(result) + "\n")
    return status


def read_cases(text: str) -> Iterator[Any]:
    """A JSON case, a JSON array of cases, or JSON Lines."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"line {number}: not JSON: {exc.msg}") from None
        return
    if isinstance(whole, list):
        yield from whole
    else:
        yield whole
