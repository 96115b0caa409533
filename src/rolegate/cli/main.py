"""The ``rolegate`` command: serve, init, account, db, policy.

Each top-level command's module is imported only when that command runs (every one of them for
``--help`` or an unknown command): ``rolegate credential-process``, which an SDK starts for each
credential fetch, or ``rolegate policy`` should not pay for importing the server.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# module (under rolegate.cli) and the function of it that adds its commands
_ADDERS = {
    "serve": "add_serve_command",
    "admin": "add_admin_commands",
    "provider_cmd": "add_provider_commands",
    "agent_cmd": "add_agent_commands",
    "issuer_cmd": "add_issuer_commands",
    "graph_cmd": "add_graph_command",
    "policy_cmd": "add_policy_commands",
}
# each top-level command, and the module that adds it
_COMMANDS = {
    "serve": "serve",
    "init": "admin",
    "account": "admin",
    "db": "admin",
    "provider": "provider_cmd",
    "agent": "agent_cmd",
    "credential-process": "agent_cmd",
    "issuer": "issuer_cmd",
    "graph": "graph_cmd",
    "policy": "policy_cmd",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command`` when it is a known one."""
    parser = argparse.ArgumentParser(
        prog="rolegate", description="AWS IAM roles and STS, self-hosted."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = [_COMMANDS[command]] if command in _COMMANDS else list(_ADDERS)
    for name in modules:
        module = importlib.import_module(f"rolegate.cli.{name}")
        getattr(module, _ADDERS[name])(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    result = args.handler(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
