"""The ``rolegate`` command: serve, init, account, db, policy."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rolegate.cli import admin, agent_cmd, graph_cmd, issuer_cmd, provider_cmd, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rolegate", description="AWS IAM roles and STS, self-hosted."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.add_serve_command(commands)
    admin.add_admin_commands(commands)
    provider_cmd.add_provider_commands(commands)
    agent_cmd.add_agent_commands(commands)
    issuer_cmd.add_issuer_commands(commands)
    graph_cmd.add_graph_command(commands)
    try:
        from rolegate.cli.policy_cmd import add_policy_commands
    except ImportError:  # pragma: no cover - the policy CLI ships with the policy engine
        pass
    else:
        add_policy_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.handler(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
