"""``rolegate issuer rotate-keys --account-id ID``: new signing keys for an account's OpenID
Connect issuer (outbound web identity federation, docs/federation.md), on the database directly
(also while servers run: the next GetWebIdentityToken signs with the new keys).

The retired keys stay in the issuer's JWKS for the longest token lifetime plus the JWKS's cache
lifetime, so tokens in flight stay verifiable; rotations after that drop them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.server.storage import open_store
from rolegate.services.iam import rotate_signing_keys


def add_issuer_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    issuer = commands.add_parser("issuer", help="the accounts' own OpenID Connect issuers")
    actions = issuer.add_subparsers(dest="issuer_command", required=True, metavar="ACTION")
    rotate = actions.add_parser(
        "rotate-keys", help="replace an account's signing keys (the old ones stay published)"
    )
    add_database_flags(rotate)
    rotate.add_argument("--account-id", required=True, help="12 digits")
    rotate.set_defaults(handler=run_rotate_keys)


def run_rotate_keys(args: argparse.Namespace) -> int:
    account_id = args.account_id
    if not (len(account_id) == 12 and account_id.isdigit()):
        print("rolegate: --account-id must be 12 digits", file=sys.stderr)
        return 2
    store = open_store(settings_from(args))
    try:
        with store.transaction() as tx:
            added = rotate_signing_keys(tx, account_id, datetime.now(UTC))
    finally:
        store.close()
    if added is None:
        print(
            f"rolegate: account {account_id} has never enabled outbound web identity federation",
            file=sys.stderr,
        )
        return 1
    print(json.dumps({"AccountId": account_id, "SigningKeyIds": added}))
    return 0
