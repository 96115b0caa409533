"""A web console's sign-in of an IAM user (not an AWS operation): account id or alias, user name,
password, and the MFA code when the user has a device
(https://docs.aws.amazon.com/IAM/latest/UserGuide/console_sign-in-mfa.html).

``console_sign_in`` runs in one write transaction. A wrong MFA code counts against the device
as a wrong code of an STS call does (``mfa.attempts``: committed, then refused).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.entities import User
from rolegate.domain.errors import AccessDenied
from rolegate.services.iam.credentials.sign_in import SignIn, verify_password
from rolegate.services.iam.mfa.attempts import check_codes_in
from rolegate.services.iam.mfa.codes import INVALID_CODE, matching_step
from rolegate.store import Tx


class ConsoleStep(enum.Enum):
    REFUSED = "refused"  # unknown account, user, password or a wrong code: one answer
    SIGNED_IN = "signed_in"
    MFA_REQUIRED = "mfa_required"  # the password is right; the user has a device: ask its code
    MUST_CHANGE = "must_change"  # PasswordResetRequired or expired: change it first
    EXPIRED = "expired"  # expired under HardExpiry: an administrator must reset it


@dataclass(frozen=True, slots=True)
class ConsoleSignIn:
    step: ConsoleStep
    user: User | None = None
    mfa_at: datetime | None = None  # when the MFA code was proven, when it was
    must_change: bool = False  # MFA_REQUIRED: the password must be changed after the code


def resolve_account(tx: Tx, account: str) -> str | None:
    """A 12-digit account id, or the account an alias names."""
    account = account.strip()
    if len(account) == 12 and account.isdigit():
        return account if tx.accounts.get(account) is not None else None
    return tx.account_settings.account_of_alias(account.lower())


def console_sign_in(
    tx: Tx,
    account: str,
    user_name: str,
    password: str | None,
    mfa_code: str | None,
    now: datetime,
    *,
    must_change: bool = False,
) -> ConsoleSignIn:
    """The next step of a console sign-in. ``password`` None: the caller proved it before (then
    ``must_change`` says what that check answered) and now brings the MFA code. Raises
    ``Throttling`` while the user's MFA device is locked, and ``AccessDenied`` for a wrong code
    (after its count is committed: ``mfa.attempts``)."""
    account_id = resolve_account(tx, account) or "000000000000"  # same cost for a wrong account
    if password is None:  # proven by an earlier step of this sign-in (the console's sealed state)
        outcome = SignIn.MUST_CHANGE if must_change else SignIn.SIGNED_IN
    else:
        outcome = verify_password(tx, account_id, user_name, password, now)
    if outcome is SignIn.REFUSED:
        return ConsoleSignIn(ConsoleStep.REFUSED)
    if outcome is SignIn.EXPIRED:
        return ConsoleSignIn(ConsoleStep.EXPIRED)
    user = tx.users.get(account_id, user_name)
    if user is None:
        return ConsoleSignIn(ConsoleStep.REFUSED)
    devices = sorted(
        tx.mfa_devices.list_for_user(account_id, user_name), key=lambda d: d.serial_number
    )
    mfa_at = None
    if devices:
        if not mfa_code:
            must = outcome is SignIn.MUST_CHANGE
            return ConsoleSignIn(ConsoleStep.MFA_REQUIRED, user, must_change=must)
        device = devices[0]
        code = mfa_code.strip()

        def spend() -> int | None:
            step = matching_step(device.seed, code, now)
            if step is None or not tx.mfa_devices.advance_step(device.serial_number, step):
                return None
            return step

        check_codes_in(tx, now, device.serial_number, spend, AccessDenied(INVALID_CODE))
        mfa_at = now
    step = ConsoleStep.MUST_CHANGE if outcome is SignIn.MUST_CHANGE else ConsoleStep.SIGNED_IN
    return ConsoleSignIn(step, user, mfa_at)
