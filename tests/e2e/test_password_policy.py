"""Get/Update/DeleteAccountPasswordPolicy end to end on SQLite and PostgreSQL: the stored
policy, AWS's defaults for what is left out, the model's ranges and NoSuchEntity."""

from __future__ import annotations

from typing import Any

import pytest
from account_helpers import Account, new_account
from policy_helpers import fails

from harness import Node, Server

DEFAULTS = {
    "MinimumPasswordLength": 6,
    "RequireSymbols": False,
    "RequireNumbers": False,
    "RequireUppercaseCharacters": False,
    "RequireLowercaseCharacters": False,
    "AllowUsersToChangePassword": False,
    "ExpirePasswords": False,
}


@pytest.fixture
def account(node: Node) -> Account:
    return new_account(node)


def no_policy(account: Account) -> tuple[str, int, str]:
    return (
        "NoSuchEntity",
        404,
        "The account policy with name PasswordPolicy cannot be found.",
    )


def test_lifecycle_with_defaults_and_full_replacement(account: Account) -> None:
    iam = account.iam
    assert fails(iam.get_account_password_policy) == no_policy(account)
    iam.update_account_password_policy()
    assert iam.get_account_password_policy()["PasswordPolicy"] == DEFAULTS
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
        HardExpiry=False,
    )
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 14,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24,
        "HardExpiry": False,
    }
    # No partial updates: what is left out reverts to its default.
    iam.update_account_password_policy(RequireNumbers=True)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        **DEFAULTS,
        "RequireNumbers": True,
    }
    iam.delete_account_password_policy()
    assert fails(iam.get_account_password_policy) == no_policy(account)
    assert fails(iam.delete_account_password_policy) == no_policy(account)


OUT_OF_RANGE = [
    ("MinimumPasswordLength", 5, "greater than or equal to 6"),
    ("MinimumPasswordLength", 129, "less than or equal to 128"),
    ("MaxPasswordAge", 0, "greater than or equal to 1"),
    ("MaxPasswordAge", 1096, "less than or equal to 1095"),
    ("PasswordReusePrevention", 0, "greater than or equal to 1"),
    ("PasswordReusePrevention", 25, "less than or equal to 24"),
]


def test_out_of_range_values_change_nothing(account: Account) -> None:
    account.iam.update_account_password_policy(MinimumPasswordLength=10)
    for parameter, value, constraint in OUT_OF_RANGE:
        field = parameter[0].lower() + parameter[1:]
        assert fails(account.iam.update_account_password_policy, **{parameter: value}) == (
            "ValidationError",
            400,
            f"1 validation error detected: Value at '{field}' failed to satisfy "
            f"constraint: Member must have value {constraint}",
        )
    policy = account.iam.get_account_password_policy()["PasswordPolicy"]
    assert policy == {**DEFAULTS, "MinimumPasswordLength": 10}


def test_aws_cli(server: Server, account: Account) -> None:
    keys: dict[str, Any] = {"key_id": account.key_id, "secret": account.secret}
    server.aws_json(
        "iam",
        "update-account-password-policy",
        "--minimum-password-length",
        "12",
        "--require-symbols",
        "--max-password-age",
        "30",
        **keys,
    )
    policy = server.aws_json("iam", "get-account-password-policy", **keys)["PasswordPolicy"]
    assert policy == {
        **DEFAULTS,
        "MinimumPasswordLength": 12,
        "RequireSymbols": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 30,
    }
    server.aws_json("iam", "delete-account-password-policy", **keys)
    missing = server.aws("iam", "get-account-password-policy", **keys)
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr
