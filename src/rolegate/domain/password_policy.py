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
