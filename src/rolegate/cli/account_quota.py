"""``rolegate account quota list|set|reset``: per-account IAM quotas, on the database directly
(also while servers run: the next request reads the new value).

Names are GetAccountSummary's (``RolesQuota``) or the ones in AWS's LimitExceeded messages
(``RolesPerAccount``). Values are positive and at most AWS's maximum quota; quotas AWS does not
adjust can be lowered only (``rolegate.catalog.quotas``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from rolegate.catalog import InvalidQuota, check_override, find_quota, quota_specs
from rolegate.cli.options import add_database_flags, settings_from
from rolegate.server.storage import open_store
from rolegate.store import Store


def add_quota_commands(account_commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    quota = account_commands.add_parser("quota", help="show or change an account's IAM quotas")
    actions = quota.add_subparsers(dest="quota_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every quota of the account, one JSON per line")
    setting = actions.add_parser("set", help="override one quota")
    resetting = actions.add_parser("reset", help="return one quota to AWS's default")
    for parser in (listing, setting, resetting):
        add_database_flags(parser)
        parser.add_argument("--account-id", required=True, help="12 digits")
    for parser in (setting, resetting):
        parser.add_argument("--name", required=True, help="e.g. RolesQuota or RolesPerAccount")
    setting.add_argument("--value", required=True, type=int, help="the new quota")
    listing.set_defaults(handler=run_quota_list)
    setting.set_defaults(handler=run_quota_set)
    resetting.set_defaults(handler=run_quota_reset)


def run_quota_list(args: argparse.Namespace) -> int:
    def show(store: Store) -> int:
        with store.transaction(write=False) as tx:
            overrides = tx.account_settings.quota_overrides(args.account_id)
        for spec in quota_specs().values():
            value = overrides.get(spec.name, spec.default)
            print(
                json.dumps(
                    {
                        "Name": spec.name,
                        "LimitName": spec.limit_name,
                        "Value": value,
                        "Default": spec.default,
                        "Maximum": spec.maximum,
                        "Overridden": spec.name in overrides,
                        "ReportedOnly": spec.reported_only,
                    }
                )
            )
        return 0

    return _with_account(args, show)


def run_quota_set(args: argparse.Namespace) -> int:
    try:
        spec = find_quota(args.name)
        check_override(spec, args.value)
    except InvalidQuota as error:
        print(f"rolegate: {error}", file=sys.stderr)
        return 2

    def change(store: Store) -> int:
        with store.transaction() as tx:
            tx.account_settings.set_quota(args.account_id, spec.name, args.value)
        print(json.dumps({"Name": spec.name, "Value": args.value}))
        return 0

    return _with_account(args, change)


def run_quota_reset(args: argparse.Namespace) -> int:
    try:
        spec = find_quota(args.name)
    except InvalidQuota as error:
        print(f"rolegate: {error}", file=sys.stderr)
        return 2

    def change(store: Store) -> int:
        with store.transaction() as tx:
            tx.account_settings.clear_quota(args.account_id, spec.name)
        print(json.dumps({"Name": spec.name, "Value": spec.default}))
        return 0

    return _with_account(args, change)


def _with_account(args: argparse.Namespace, run: Callable[[Store], int]) -> int:
    account_id = args.account_id
    if not (len(account_id) == 12 and account_id.isdigit()):
        print("rolegate: --account-id must be 12 digits", file=sys.stderr)
        return 2
    store = open_store(settings_from(args))
    try:
        with store.transaction(write=False) as tx:
            known = tx.accounts.get(account_id) is not None
        if not known:
            print(f"rolegate: no account {account_id}", file=sys.stderr)
            return 1
        return run(store)
    finally:
        store.close()
