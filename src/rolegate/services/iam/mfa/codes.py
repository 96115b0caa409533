"""MFA codes (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html):
``verify_mfa`` for the STS calls that take ``SerialNumber``/``TokenCode``, and the two consecutive
codes EnableMFADevice and ResyncMFADevice take. Codes are TOTP (RFC 6238: 30-second steps, 6 digits,
HMAC-SHA1), accepted one step either side of now; a step, once accepted, is never accepted again.
Wrong codes are throttled per device (``attempts``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp

from rolegate.domain.errors import AccessDenied, InvalidAuthenticationCode
from rolegate.domain.mfa import MfaDevice
from rolegate.services.context import OperationContext, Params
from rolegate.services.iam.mfa import attempts

STEP_SECONDS = 30
INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
INVALID_CODES = "Authentication code for device is not valid."
UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
    "serial number is valid and associated with this user."
)


@dataclass(frozen=True, slots=True)
class MfaCheck:
    """The MFA state of a new session: proven now (``fresh``) or inherited from the caller's."""

    authenticated: bool = False
    authenticated_at: datetime | None = None
    fresh: bool = False

    def context(self) -> dict[str, str]:
        """aws:MultiFactorAuthPresent/Age for a call that proved MFA itself."""
        if not self.fresh:
            return {}
        return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"}


def time_step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(seed: str, step: int) -> str:
    return pyotp.TOTP(seed).generate_otp(step)


def matching_step(seed: str, code: str, now: datetime, window: range = range(-1, 2)) -> int | None:
    """The time step near ``now`` whose code is ``code``."""
    current = time_step(now)
    for offset in window:
        if hmac.compare_digest(code_at(seed, current + offset), code):
            return current + offset
    return None


def consecutive_step(
    seed: str, first_code: str, second_code: str, now: datetime, window: range
) -> int | None:
    """The step of ``second_code`` if the two codes are of consecutive steps within ``window``
    (EnableMFADevice and ResyncMFADevice: the device is in sync)."""
    first = matching_step(seed, first_code, now, window)
    second = matching_step(seed, second_code, now, window)
    return second if first is not None and second == first + 1 else None


def check_consecutive_codes(
    ctx: OperationContext, device: MfaDevice, params: Params, window: range
) -> int:
    """The step of ``AuthenticationCode2``, once both codes prove the device; else
    InvalidAuthenticationCode (or Throttling while the device is locked)."""
    return attempts.check_codes(
        ctx,
        device.serial_number,
        lambda: consecutive_step(
            device.seed,
            params["AuthenticationCode1"],
            params["AuthenticationCode2"],
            ctx.now,
            window,
        ),
        InvalidAuthenticationCode(INVALID_CODES),
    )


def verify_mfa(ctx: OperationContext, serial: str | None, code: str | None) -> MfaCheck:
    """Check ``SerialNumber``/``TokenCode`` of an STS call; without them the caller's session
    state carries over (GetSessionToken with MFA, then AssumeRole)."""
    caller = ctx.caller
    if serial is None and code is None:
        session = caller.session
        if session is not None and session.mfa_authenticated:
            return MfaCheck(True, session.mfa_authenticated_at or session.issued_at)
        return MfaCheck()
    if serial is None or code is None:
        raise AccessDenied(INVALID_CODE)  # unverified: AWS's answer when only one is given
    device = ctx.tx.mfa_devices.get(serial)
    if (
        device is None
        or device.user_name is None
        or caller.principal_type != "user"
        or device.account_id != caller.account_id
        or device.user_name != caller.user_name
    ):
        raise AccessDenied(UNKNOWN_DEVICE)

    def spend() -> int | None:  # the code's step, now spent; None if wrong or spent before
        step = matching_step(device.seed, code, ctx.now)
        return step if step is not None and ctx.tx.mfa_devices.advance_step(serial, step) else None

    attempts.check_codes(ctx, serial, spend, AccessDenied(INVALID_CODE))
    return MfaCheck(True, ctx.now, fresh=True)
