"""Setting and checking console passwords against the account password policy
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html).

Passwords are kept only as argon2id hashes (``rolegate.auth.passwords``). Every new password is
checked against the account's policy, or AWS's default policy when the account has none; a user
changing their own password (ChangePassword) may not reuse any of their last
``PasswordReusePrevention`` passwords, so the profile keeps that many earlier hashes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from rolegate.auth.passwords import hash_password, verify_password_hash
from rolegate.domain.credentials import LoginProfile
from rolegate.domain.errors import NoSuchEntity, PasswordPolicyViolation
from rolegate.domain.password_policy import PasswordPolicy, password_violation

# The most PasswordReusePrevention allows (API_UpdateAccountPasswordPolicy: 1 to 24).
MAX_REMEMBERED = 24
# unverified: AWS documents no text for a reused password.
REUSED = "Password was used too recently. Please choose a different password."


def no_login_profile(user_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"Login Profile for User {user_name} cannot be found.")


def check_policy(policy: PasswordPolicy | None, password: str) -> None:
    message = password_violation(policy, password)
    if message is not None:
        raise PasswordPolicyViolation(message)


def check_reuse(policy: PasswordPolicy | None, profile: LoginProfile, password: str) -> None:
    """Refuse the current password and the policy's number of earlier ones. Each check costs a
    hash, so at most 25 of them (the current one and 24 before it)."""
    remembered = policy.password_reuse_prevention if policy is not None else None
    if not remembered:
        return
    recent = (profile.password_hash, *profile.previous_hashes)[:remembered]
    if any(verify_password_hash(encoded, password) for encoded in recent):
        raise PasswordPolicyViolation(REUSED)


def with_new_password(profile: LoginProfile, password: str, now: datetime) -> LoginProfile:
    """``profile`` holding ``password`` (hashed), the replaced hash remembered."""
    previous = (profile.password_hash, *profile.previous_hashes)[:MAX_REMEMBERED]
    return replace(
        profile,
        password_hash=hash_password(password),
        password_changed=now,
        previous_hashes=previous,
        failed_changes=0,  # a new password, by whoever set it, ends ChangePassword's lock
        change_locked_until=None,
    )


def expired(policy: PasswordPolicy | None, profile: LoginProfile, now: datetime) -> bool:
    """Whether the password is older than the policy's MaxPasswordAge (in days)."""
    if policy is None or policy.max_password_age is None:
        return False
    return now >= profile.password_changed + timedelta(days=policy.max_password_age)
