"""The account password policy
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html).

UpdateAccountPasswordPolicy replaces the whole policy: a parameter left out takes its default,
hence every field has one here. ``max_password_age`` None means passwords never expire
(``ExpirePasswords`` false); ``password_reuse_prevention`` and ``hard_expiry`` None mean "not set".
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MINIMUM_PASSWORD_LENGTH = 6  # API_UpdateAccountPasswordPolicy: "default value of 6"


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    minimum_password_length: int = DEFAULT_MINIMUM_PASSWORD_LENGTH
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase_characters: bool = False
    require_lowercase_characters: bool = False
    allow_users_to_change_password: bool = False
    max_password_age: int | None = None
    password_reuse_prevention: int | None = None
    hard_expiry: bool | None = None

    @property
    def expire_passwords(self) -> bool:
        return self.max_password_age is not None


# The characters that count as symbols (API_UpdateAccountPasswordPolicy, RequireSymbols).
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
# Without a policy of the account's own, AWS's default applies: at least 8 characters and three
# of the four kinds (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html,
# "Default password policy"). The account's name and e-mail address do not exist here.
DEFAULT_POLICY_LENGTH = 8
DEFAULT_POLICY_KINDS = 3


def _kinds(password: str) -> dict[str, bool]:
    return {
        "upper": any("A" <= c <= "Z" for c in password),
        "lower": any("a" <= c <= "z" for c in password),
        "number": any("0" <= c <= "9" for c in password),
        "symbol": any(c in SYMBOLS for c in password),
    }


def password_violation(policy: PasswordPolicy | None, password: str) -> str | None:
    """The PasswordPolicyViolation message for ``password`` under ``policy`` (None: AWS's
    default policy), or None when it complies. The first rule broken is named, in the order of
    the policy's fields."""
    kinds = _kinds(password)
    if policy is None:
        if len(password) < DEFAULT_POLICY_LENGTH or sum(kinds.values()) < DEFAULT_POLICY_KINDS:
            return "Password does not conform to the account password policy."  # unverified
        return None
    if len(password) < policy.minimum_password_length:
        return f"Password should have a minimum length of {policy.minimum_password_length}"
    rules = (
        (policy.require_symbols, "symbol", "Password should have at least one symbol"),
        (policy.require_numbers, "number", "Password should have at least one number"),
        (
            policy.require_uppercase_characters,
            "upper",
            "Password should have at least one uppercase letter",
        ),
        (
            policy.require_lowercase_characters,
            "lower",
            "Password should have at least one lowercase letter",
        ),
    )
    for required, kind, message in rules:
        if required and not kinds[kind]:
            return message
    return None
