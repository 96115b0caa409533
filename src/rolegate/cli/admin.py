"""Admin commands that work on the database directly, also while a server runs:
``rolegate init``, ``rolegate account create|list``, ``rolegate db upgrade`` (and ``db backup``,
``restore``, ``copy``: ``cli.db_cmd``)."""

from __future__ import annotations

import argparse
import json
import secrets
import sys

from rolegate.cli.account_quota import add_quota_commands
from rolegate.cli.aws_profile import write_profile
from rolegate.cli.db_cmd import add_db_commands
from rolegate.cli.options import add_database_flags, settings_from
from rolegate.server.bootstrap import announce_created, ensure_default_account
from rolegate.server.storage import open_store, utc_now
from rolegate.services.iam import AccountExists, create_account
from rolegate.store import upgrade


def add_admin_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    init = commands.add_parser(
        "init", help="create the database and the default account, without serving"
    )
    add_database_flags(init)
    init.add_argument(
        "--profile", help="also write this AWS CLI profile (credentials + endpoint_url)"
    )
    init.add_argument(
        "--endpoint-url", default="http://127.0.0.1:4566", help="endpoint for the profile"
    )
    init.set_defaults(handler=run_init)

    account = commands.add_parser("account", help="manage accounts")
    account_commands = account.add_subparsers(
        dest="account_command", required=True, metavar="ACTION"
    )
    create = account_commands.add_parser(
        "create", help="create an account with its root access key"
    )
    add_database_flags(create)
    create.add_argument("--account-id", help="12 digits (default: generated)")
    create.set_defaults(handler=run_account_create)
    listing = account_commands.add_parser("list", help="list accounts")
    add_database_flags(listing)
    listing.set_defaults(handler=run_account_list)
    add_quota_commands(account_commands)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_commands.add_parser("upgrade", help="apply schema migrations")
    add_database_flags(up)
    up.set_defaults(handler=run_db_upgrade)
    add_db_commands(db_commands)


def run_init(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store = open_store(settings)
    try:
        result = ensure_default_account(store, settings, rng=secrets.SystemRandom(), now=utc_now())
        message = announce_created(result, settings.data_dir, settings)
        if message:
            sys.stdout.write(message)
        else:
            print(f"rolegate: account {result.account_id} already set up")
        if args.profile:
            with store.transaction() as tx:
                keys = [
                    k
                    for k in tx.access_keys.list_for(result.account_id, None)
                    if k.status == "Active"
                ]
            if not keys:
                print("rolegate: the default account has no active root key", file=sys.stderr)
                return 1
            cred_path, config_path = write_profile(
                args.profile,
                keys[0].access_key_id,
                keys[0].secret_access_key,
                args.endpoint_url,
                settings.region,
            )
            print(f"rolegate: wrote profile {args.profile!r} to {cred_path} and {config_path}")
    finally:
        store.close()
    return 0


def run_account_create(args: argparse.Namespace) -> int:
    account_id = args.account_id
    if account_id is not None and not (len(account_id) == 12 and account_id.isdigit()):
        print("rolegate: --account-id must be 12 digits", file=sys.stderr)
        return 2
    store = open_store(settings_from(args))
    try:
        with store.transaction() as tx:
            created = create_account(
                tx, rng=secrets.SystemRandom(), now=utc_now(), account_id_value=account_id
            )
    except AccountExists as error:
        print(f"rolegate: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(json.dumps(created.as_json()))
    return 0


def run_account_list(args: argparse.Namespace) -> int:
    store = open_store(settings_from(args))
    try:
        with store.transaction() as tx:
            accounts = tx.accounts.list()
    finally:
        store.close()
    for account in accounts:
        print(
            json.dumps(
                {"AccountId": account.account_id, "CreateDate": account.create_date.isoformat()}
            )
        )
    return 0


def run_db_upgrade(args: argparse.Namespace) -> int:
    upgrade(settings_from(args).resolved_database_url)
    print("rolegate: database schema is up to date")
    return 0
