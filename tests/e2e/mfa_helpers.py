"""Virtual MFA devices for the end-to-end tests: enable one with real TOTP codes, pick codes."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from botocore.exceptions import ClientError
from sts_helpers import Account, User

from harness import ACCOUNT_ID

INVALID_CODE = (
    "AccessDenied",
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
)
INVALID_AUTHENTICATION_CODE = (
    "InvalidAuthenticationCode",
    "Authentication code for device is not valid.",
)
# AWS's answer to a throttled request (STS/IAM "Common Errors": 400, Sender)
THROTTLED = ("Throttling", "Rate exceeded")


def enable_virtual_mfa(home: Account, user: User) -> tuple[str, pyotp.TOTP]:
    iam = home.client()
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-mfa")[
        "VirtualMFADevice"
    ]
    serial = device["SerialNumber"]
    assert serial == f"arn:aws:iam::{ACCOUNT_ID}:mfa/{user.name}-mfa"
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")  # the QR code, as an image
    totp = pyotp.TOTP(device["Base32StringSeed"].decode("ascii"))
    now = time.time()
    iam.enable_mfa_device(
        UserName=user.name,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    return serial, totp


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the step after now: accepted (one step of clock drift either side) and not
    yet spent by EnableMFADevice, which spends the current one."""
    return totp.at(time.time() + 30)


def wrong_code(totp: pyotp.TOTP) -> str:
    """A code no step within two minutes of now has: wrong for as long as a test runs."""
    now = time.time()
    near = {totp.at(now + seconds) for seconds in range(-120, 121, 30)}
    return next(code for code in (f"{digit}" * 6 for digit in "0123456789") if code not in near)


def answer_of(call: Any, **kw: Any) -> tuple[str, str]:
    """The (code, message) of the error ``call`` answers; ("ok", "") if it succeeds."""
    try:
        call(**kw)
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    return "ok", ""
