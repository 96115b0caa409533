"""``rolegate provider ...``: identity providers added from the command line, on the database
directly (also while a server runs). Each federation protocol adds its own action to the
``provider`` group (``add_*_commands(actions)``)."""

from __future__ import annotations

import argparse

from rolegate.cli.provider_oidc import add_oidc_commands
from rolegate.cli.provider_saml import add_saml_commands


def add_provider_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    provider = commands.add_parser("provider", help="add identity providers (SAML, OpenID Connect)")
    actions = provider.add_subparsers(dest="provider_command", required=True, metavar="ACTION")
    add_saml_commands(actions)
    add_oidc_commands(actions)
