"""Helpers of the account-view tests: each test gets an account of its own on the shared server,
so counts and account-wide settings start from nothing.

On a server process the account and its quotas come from ``rolegate account create`` and
``rolegate account quota set``. On an in-process node they come from what those commands run
(``create_account``, the quota catalogue's checks, ``account_settings.set_quota``), in one
transaction of the node's own store: no process to start for each test's set-up. The commands
themselves are tested in test_cli.py and test_account_quotas.py (``test_admin_command``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from in_process import InProcessNode

from rolegate.catalog import check_override, find_quota
from rolegate.server.storage import utc_now
from rolegate.services.iam import create_account

from harness import Node


@dataclass
class Account:
    account_id: str
    iam: Any  # a boto3 IAM client signed with the account's root key
    key_id: str
    secret: str


def new_account(server: Node) -> Account:
    if isinstance(server, InProcessNode):
        with server.app.runtime.store.transaction() as tx:
            made = create_account(tx, rng=secrets.SystemRandom(), now=utc_now())
        created = made.as_json()
    else:
        done = server.admin("account", "create")
        assert done.returncode == 0, done.stderr
        created = json.loads(done.stdout)
    key_id, secret = created["AccessKeyId"], created["SecretAccessKey"]
    return Account(created["AccountId"], server.client("iam", key_id, secret), key_id, secret)


def set_quota(server: Node, account_id: str, name: str, value: int) -> None:
    if isinstance(server, InProcessNode):
        spec = find_quota(name)
        check_override(spec, value)
        with server.app.runtime.store.transaction() as tx:
            assert tx.accounts.get(account_id) is not None
            tx.account_settings.set_quota(account_id, spec.name, value)
        return
    done = server.admin(
        "account", "quota", "set", "--account-id", account_id, "--name", name, "--value", str(value)
    )
    assert done.returncode == 0, done.stderr
