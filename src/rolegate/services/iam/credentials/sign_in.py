"""The password check a web console signs users in with (not an AWS operation): the one place
that reads a console password back.

``verify_password(tx, account_id, user_name, password, now)`` answers what the console should
do next; call it in a write transaction (``Store.transaction()``), as it records the password's
use. It costs one argon2id verification whether or not the user and the profile exist, so the
time it takes does not tell which user names have a password.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import replace
from datetime import datetime

from rolegate.auth.passwords import hash_password, needs_rehash, verify_password_hash
from rolegate.services.iam.credentials.passwords import expired
from rolegate.store import Tx


@functools.cache
def _dummy_hash() -> str:
    """Verified against when there is no profile, so that a missing user costs what a wrong
    password does (made on first use: hashing at import would slow every start)."""
    return hash_password("rolegate sign-in: no such user")


class SignIn(enum.Enum):
    REFUSED = "refused"  # no such user, no password, or a wrong one: one answer for all three
    SIGNED_IN = "signed_in"
    # The password is right but must be replaced before anything else (PasswordResetRequired,
    # or expired under MaxPasswordAge): ChangePassword with it as OldPassword.
    MUST_CHANGE = "must_change"
    # Expired under a policy with HardExpiry: only an administrator can set a new one.
    EXPIRED = "expired"


def verify_password(
    tx: Tx, account_id: str, user_name: str, password: str, now: datetime
) -> SignIn:
    """Check ``password`` for the user; on success record its use (PasswordLastUsed), and
    hash it again if it was hashed with older argon2 parameters."""
    user = tx.users.get(account_id, user_name)
    profile = tx.login_profiles.get(user.user_id) if user is not None else None
    encoded = profile.password_hash if profile is not None else _dummy_hash()
    matches = verify_password_hash(encoded, password)
    if profile is None or not matches:
        return SignIn.REFUSED
    policy = tx.account_settings.password_policy(account_id)
    if expired(policy, profile, now):
        return SignIn.EXPIRED if policy is not None and policy.hard_expiry else SignIn.MUST_CHANGE
    if needs_rehash(profile.password_hash):  # hashed under older parameters: hash it anew
        tx.login_profiles.replace(replace(profile, password_hash=hash_password(password)))
    tx.login_profiles.record_sign_in(profile.user_id, now)
    return SignIn.MUST_CHANGE if profile.password_reset_required else SignIn.SIGNED_IN
