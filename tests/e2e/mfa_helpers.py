"""Virtual MFA devices for the end-to-end tests: enable one with real TOTP codes, pick codes."""

from __future__ import annotations

import time

import pyotp
from sts_helpers import Account, User

from harness import ACCOUNT_ID


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
