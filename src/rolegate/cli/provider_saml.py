"""``rolegate provider add-saml --name N --metadata-file F [--account-id ID]``: a SAML provider
made from an IdP metadata file, with the checks and errors of CreateSAMLProvider. Prints
``{"SAMLProviderArn": ...}``; without ``--account-id`` the provider goes to the default account.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.cli.provider_store import add_in_account
from rolegate.services.iam import add_saml_provider

_NAME = re.compile(r"[\w._-]{1,128}")  # SAMLProviderNameType in the iam model


def add_saml_commands(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    add = actions.add_parser("add-saml", help="add a SAML 2.0 provider from IdP metadata")
    add_database_flags(add)
    add.add_argument("--name", required=True, help="provider name ([\\w._-], 1-128 characters)")
    add.add_argument("--metadata-file", required=True, type=Path, help="the IdP's metadata XML")
    add.add_argument("--account-id", help="12 digits (default: the default account)")
    add.set_defaults(handler=run_add_saml)


def run_add_saml(args: argparse.Namespace) -> int:
    if not _NAME.fullmatch(args.name):
        print("rolegate: --name must match [\\w._-]{1,128}", file=sys.stderr)
        return 2
    if args.account_id is not None and not (
        len(args.account_id) == 12 and args.account_id.isdigit()
    ):
        print("rolegate: --account-id must be 12 digits", file=sys.stderr)
        return 2
    try:
        document = args.metadata_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"rolegate: cannot read {args.metadata_file}: {error}", file=sys.stderr)
        return 2
    provider = add_in_account(
        settings_from(args),
        args.account_id,
        lambda tx, account_id, now, rng: add_saml_provider(
            tx, account_id, args.name, document, now, rng
        ),
    )
    if provider is None:
        return 1
    print(json.dumps({"SAMLProviderArn": provider.arn}))
    return 0
