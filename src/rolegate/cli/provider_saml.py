"""``rolegate provider add-saml --name N --metadata-file F [--private-key-file PEM]
[--assertion-encryption-mode Allowed|Required] [--account-id ID]``: a SAML provider made from an
IdP metadata file, with the checks and errors of CreateSAMLProvider (its ``AddPrivateKey`` and
``AssertionEncryptionMode``: the key that decrypts the IdP's encrypted assertions). Prints
``{"SAMLProviderArn": ...}``; without ``--account-id`` the provider goes to the default account.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from pathlib import Path

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.cli.provider_store import add_in_account
from rolegate.domain.ids import Rng
from rolegate.domain.saml_provider import ALLOWED, REQUIRED, SamlProvider
from rolegate.services.iam import add_saml_provider, created_encryption
from rolegate.store import Tx

_NAME = re.compile(r"[\w._-]{1,128}")  # SAMLProviderNameType in the iam model


def add_saml_commands(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    add = actions.add_parser("add-saml", help="add a SAML 2.0 provider from IdP metadata")
    add_database_flags(add)
    add.add_argument("--name", required=True, help="provider name ([\\w._-], 1-128 characters)")
    add.add_argument("--metadata-file", required=True, type=Path, help="the IdP's metadata XML")
    add.add_argument(
        "--private-key-file",
        type=Path,
        help="an unencrypted RSA private key (PEM) that decrypts the IdP's encrypted assertions",
    )
    add.add_argument(
        "--assertion-encryption-mode",
        choices=(ALLOWED, REQUIRED),
        help=f"{REQUIRED}: refuse assertions that are not encrypted (default {ALLOWED})",
    )
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
    encryption: dict[str, str] = {}
    if args.assertion_encryption_mode is not None:
        encryption["AssertionEncryptionMode"] = args.assertion_encryption_mode
    document = _text(args.metadata_file)
    if document is None:
        return 2
    if args.private_key_file is not None:
        pem = _text(args.private_key_file)
        if pem is None:
            return 2
        encryption["AddPrivateKey"] = pem

    def add(tx: Tx, account_id: str, now: datetime, rng: Rng) -> SamlProvider:
        mode, keys = created_encryption(encryption, now, rng)  # CreateSAMLProvider's checks
        return add_saml_provider(
            tx, account_id, args.name, document, now, rng,
            assertion_encryption_mode=mode, private_keys=keys,
        )  # fmt: skip

    provider = add_in_account(settings_from(args), args.account_id, add)
    if provider is None:
        return 1
    print(json.dumps({"SAMLProviderArn": provider.arn}))
    return 0


def _text(path: Path) -> str | None:
    """The file's text, or None once the reason it cannot be read is printed."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"rolegate: cannot read {path}: {error}", file=sys.stderr)
        return None
