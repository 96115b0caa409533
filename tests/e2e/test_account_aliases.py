"""CreateAccountAlias, ListAccountAliases, DeleteAccountAlias end to end (boto3 and the AWS CLI)
on SQLite and PostgreSQL. Each bad input names the answer: code, HTTP status, message."""

from __future__ import annotations

import uuid

import pytest
from account_helpers import Account, new_account
from policy_helpers import fails

from harness import Node, Server


@pytest.fixture
def account(node: Node) -> Account:
    return new_account(node)


def alias_name(base: str = "co") -> str:
    return f"{base}-{uuid.uuid4().hex[:10]}"


def test_create_list_delete(account: Account) -> None:
    iam = account.iam
    listed = iam.list_account_aliases()
    assert (listed["AccountAliases"], listed["IsTruncated"]) == ([], False)
    alias = alias_name()
    iam.create_account_alias(AccountAlias=alias)
    listed = iam.list_account_aliases()
    assert (listed["AccountAliases"], listed["IsTruncated"]) == ([alias], False)
    assert "Marker" not in listed
    iam.delete_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == []


def test_one_alias_per_account_the_new_one_replaces_the_old(account: Account) -> None:
    first, second = alias_name("first"), alias_name("second")
    account.iam.create_account_alias(AccountAlias=first)
    account.iam.create_account_alias(AccountAlias=first)  # the same again: no change, no error
    assert account.iam.list_account_aliases()["AccountAliases"] == [first]
    account.iam.create_account_alias(AccountAlias=second)
    assert account.iam.list_account_aliases()["AccountAliases"] == [second]
    # The old alias is free again for anyone.
    assert fails(account.iam.delete_account_alias, AccountAlias=first)[0] == "NoSuchEntity"


def test_aliases_are_unique_across_accounts(node: Node, account: Account) -> None:
    other = new_account(node)
    alias = alias_name()
    account.iam.create_account_alias(AccountAlias=alias)
    assert fails(other.iam.create_account_alias, AccountAlias=alias) == (
        "EntityAlreadyExists",
        409,
        f"The account alias {alias} already exists.",
    )
    assert other.iam.list_account_aliases()["AccountAliases"] == []
    # Another account cannot delete it either: it has no such alias.
    assert fails(other.iam.delete_account_alias, AccountAlias=alias) == (
        "NoSuchEntity",
        404,
        f"The account alias {alias} cannot be found.",
    )
    assert account.iam.list_account_aliases()["AccountAliases"] == [alias]


def test_failed_replacement_keeps_the_old_alias(node: Node, account: Account) -> None:
    other = new_account(node)
    taken, mine = alias_name("taken"), alias_name("mine")
    other.iam.create_account_alias(AccountAlias=taken)
    account.iam.create_account_alias(AccountAlias=mine)
    assert fails(account.iam.create_account_alias, AccountAlias=taken)[0] == "EntityAlreadyExists"
    assert account.iam.list_account_aliases()["AccountAliases"] == [mine]  # nothing half-done


def test_delete_unknown_alias(account: Account) -> None:
    assert fails(account.iam.delete_account_alias, AccountAlias="never-made") == (
        "NoSuchEntity",
        404,
        "The account alias never-made cannot be found.",
    )


MALFORMED = [
    "ab",
    "x" * 64,
    "Upper-case",
    "-lead",
    "trail-",
    "two--hyphens",
    "under_score",
    "dot.ted",
]


def test_malformed_aliases_are_validation_errors(account: Account) -> None:
    """The model's length (3-63) and pattern, in AWS's "N validation error(s) detected" form."""
    for alias in MALFORMED:
        code, status, message = fails(account.iam.create_account_alias, AccountAlias=alias)
        assert (code, status) == ("ValidationError", 400), alias
        assert "validation error" in message and " detected: Value" in message
        assert "at 'accountAlias' failed to satisfy constraint: Member must" in message
    pattern_only = fails(account.iam.create_account_alias, AccountAlias="two--hyphens")[2]
    assert pattern_only == (
        # The wire layer's form for this member names no value (as for the length errors).
        "1 validation error detected: Value at 'accountAlias' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
    )
    assert account.iam.list_account_aliases()["AccountAliases"] == []


def test_a_twelve_digit_alias_is_refused(account: Account) -> None:
    assert fails(account.iam.create_account_alias, AccountAlias="123456789012") == (
        "ValidationError",
        400,
        "The account alias cannot be a 12-digit number.",
    )


def test_list_max_items_one(account: Account) -> None:
    alias = alias_name()
    account.iam.create_account_alias(AccountAlias=alias)
    page = account.iam.list_account_aliases(MaxItems=1)
    assert (page["AccountAliases"], page["IsTruncated"]) == ([alias], False)
    assert fails(account.iam.list_account_aliases, Marker="bogus") == (
        "ValidationError",
        400,
        "Invalid Marker.",
    )


def test_aws_cli(server: Server, account: Account) -> None:
    alias = alias_name("cli")
    keys = {"key_id": account.key_id, "secret": account.secret}
    assert server.aws_json("iam", "create-account-alias", "--account-alias", alias, **keys) is None
    listed = server.aws_json("iam", "list-account-aliases", **keys)
    assert listed["AccountAliases"] == [alias]
    server.aws_json("iam", "delete-account-alias", "--account-alias", alias, **keys)
    assert server.aws_json("iam", "list-account-aliases", **keys)["AccountAliases"] == []
