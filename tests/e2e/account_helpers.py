"""Helpers of the account-view tests: each test gets an account of its own on the shared server
(``rolegate account create``), so counts and account-wide settings start from nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness import Node


@dataclass
class Account:
    account_id: str
    iam: Any  # a boto3 IAM client signed with the account's root key
    key_id: str
    secret: str


def new_account(server: Node) -> Account:
    done = server.admin("account", "create")
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    key_id, secret = created["AccessKeyId"], created["SecretAccessKey"]
    return Account(created["AccountId"], server.client("iam", key_id, secret), key_id, secret)


def set_quota(server: Node, account_id: str, name: str, value: int) -> None:
    done = server.admin(
        "account", "quota", "set", "--account-id", account_id, "--name", name, "--value", str(value)
    )
    assert done.returncode == 0, done.stderr
