"""The account password policy applied to a password (domain.password_policy), AWS's default
policy when the account has none, expiry under MaxPasswordAge, and argon2id hashing
(auth.passwords)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rolegate.auth.passwords import hash_password, needs_rehash, verify_password_hash
from rolegate.domain.credentials import LoginProfile
from rolegate.domain.password_policy import PasswordPolicy, password_violation
from rolegate.services.iam.credentials.passwords import expired

DEFAULT = "Password does not conform to the account password policy."


@pytest.mark.parametrize(
    ("password", "violation"),
    [
        ("Abcdef1!", None),  # 8 characters, four kinds
        ("abcdef12", DEFAULT),  # two kinds
        ("abcdeF12", None),  # three kinds
        ("Ab1!Ab1", DEFAULT),  # seven characters
        ("ABCDEFG'", DEFAULT),  # upper and a symbol: two kinds
        ("abcdefG'", None),
        ("ÄÖÜäöü12", DEFAULT),  # only A-Z and a-z count as letters
    ],
)
def test_default_policy(password: str, violation: str | None) -> None:
    assert password_violation(None, password) == violation


def test_account_policy_names_the_first_rule_broken() -> None:
    strict = PasswordPolicy(
        minimum_password_length=10,
        require_symbols=True,
        require_numbers=True,
        require_uppercase_characters=True,
        require_lowercase_characters=True,
    )
    assert password_violation(strict, "short") == "Password should have a minimum length of 10"
    assert password_violation(strict, "longenough") == "Password should have at least one symbol"
    assert password_violation(strict, "longenough!") == "Password should have at least one number"
    assert password_violation(strict, "longenough!1") == (
        "Password should have at least one uppercase letter"
    )
    assert password_violation(strict, "LONGENOUGH!1") == (
        "Password should have at least one lowercase letter"
    )
    assert password_violation(strict, "LongEnough!1") is None
    assert password_violation(PasswordPolicy(), "sixsix") is None  # the account's own: 6


@pytest.mark.parametrize("symbol", list("!@#$%^&*()_+-=[]{}|'"))
def test_every_symbol_counts(symbol: str) -> None:
    assert password_violation(PasswordPolicy(require_symbols=True), f"abcdef{symbol}") is None


def test_no_other_character_is_a_symbol() -> None:
    assert password_violation(PasswordPolicy(require_symbols=True), "abc def.~?") == (
        "Password should have at least one symbol"
    )


def test_argon2id_hashes() -> None:
    encoded = hash_password("correct horse")
    assert encoded.startswith("$argon2id$") and "correct horse" not in encoded
    assert hash_password("correct horse") != encoded  # salted
    assert verify_password_hash(encoded, "correct horse")
    assert not verify_password_hash(encoded, "correct horsf")
    assert not verify_password_hash("not a hash", "correct horse")
    assert not needs_rehash(encoded)


def test_a_password_expires_after_max_password_age_days() -> None:
    changed = datetime(2026, 1, 1, tzinfo=UTC)
    profile = LoginProfile("123456789012", "AIDA1", "$argon2id$x", changed, changed)
    aged = PasswordPolicy(max_password_age=90)
    assert not expired(aged, profile, changed + timedelta(days=90) - timedelta(seconds=1))
    assert expired(aged, profile, changed + timedelta(days=90))
    assert not expired(PasswordPolicy(), profile, changed + timedelta(days=10_000))
    assert not expired(None, profile, changed + timedelta(days=10_000))
