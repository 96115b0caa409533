"""``rolegate graph --account ID [--account ID ...] [--format json|dot|text] [--from ARN]
[--to ARN]``: who can assume which role (docs/graph.md), read from the database directly.

Several ``--account`` flags draw those accounts together: an edge between two of them is then
decided on both sides (the trust policy and the caller's own policies). With ``--from`` and/or
``--to`` the command prints the paths instead, each edge explained; when there is none, the
direct attempt's refusal is explained and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.graph import AccountView, Graph, build_graph, explain_denial, find_paths
from rolegate.graph.render import paths_to_json, paths_to_text, to_dot, to_json
from rolegate.server.storage import open_store
from rolegate.services.iam import account_authorization_view


def add_graph_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    graph = commands.add_parser(
        "graph", help="who can assume which role: users, roles, accounts, providers, services"
    )
    add_database_flags(graph)
    graph.add_argument(
        "--account",
        "--account-id",
        dest="accounts",
        action="append",
        required=True,
        metavar="ID",
        help="12 digits; repeat to draw several accounts together",
    )
    graph.add_argument(
        "--format",
        choices=("json", "dot", "text"),
        help="json (default) or dot for the graph; text (default), json or dot for paths",
    )
    graph.add_argument("--from", dest="source", metavar="ARN", help="paths from this node")
    graph.add_argument("--to", dest="target", metavar="ARN", help="paths to this node")
    graph.set_defaults(handler=run_graph)


def run_graph(args: argparse.Namespace) -> int:
    accounts: list[str] = list(dict.fromkeys(args.accounts))
    bad = [a for a in accounts if not (len(a) == 12 and a.isdigit())]
    if bad:
        print(f"rolegate: --account must be 12 digits, not {bad[0]!r}", file=sys.stderr)
        return 2
    views = _read(args, accounts)
    if views is None:
        return 1
    graph = build_graph(views)
    if args.source is None and args.target is None:
        if args.format == "dot":
            sys.stdout.write(to_dot(graph))
        elif args.format == "text":
            sys.stdout.write(_edges_text(graph))
        else:
            sys.stdout.write(to_json(graph) + "\n")
        return 0
    for node in (args.source, args.target):
        if node is not None and node not in graph.nodes:
            print(f"rolegate: {node} is not a node of the graph", file=sys.stderr)
            return 1
    paths = find_paths(graph, args.source, args.target)
    if args.format == "json":
        sys.stdout.write(paths_to_json(paths) + "\n")
    elif args.format == "dot":
        sys.stdout.write(to_dot(graph, only=[e for p in paths for e in p.edges]))
    else:
        sys.stdout.write(paths_to_text(paths, graph))
        if not paths and args.source is not None and args.target is not None:
            denial = explain_denial(views, args.source, args.target)
            if denial is not None:
                print(f"{args.source} -> {args.target}: {denial.effect}")
                for step in denial.steps:
                    where = f" [{step.policy}, line {step.line}, column {step.column}]"
                    print(f"  - {step.text}{where if step.policy else ''}")
    return 0 if paths else 1


def _read(args: argparse.Namespace, accounts: list[str]) -> list[AccountView] | None:
    store = open_store(settings_from(args))
    try:
        views = []
        with store.transaction(write=False) as tx:
            for account in accounts:
                if tx.accounts.get(account) is None:
                    print(f"rolegate: no account {account}", file=sys.stderr)
                    return None
                found = account_authorization_view(tx, account, datetime.now(UTC))
                views.append(
                    AccountView(
                        account,
                        found["Details"],
                        [p["Arn"] for p in found["OpenIDConnectProviderList"]],
                        [p["Arn"] for p in found["SAMLProviderList"]],
                    )
                )
        return views
    finally:
        store.close()


def _edges_text(graph: Graph) -> str:
    lines = []
    for edge in graph.edges:
        source, target = graph.nodes[edge.source].label, graph.nodes[edge.target].label
        keys = ", ".join(dict.fromkeys(c.key for c in edge.conditions))
        lines.append(
            f"{source} -> {target} ({edge.action}, {edge.status}{': ' + keys if keys else ''})"
        )
    return "\n".join(lines) + ("\n" if lines else "No edges.\n")
