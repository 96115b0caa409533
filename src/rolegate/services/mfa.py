"""Virtual MFA devices and MFA codes (id_credentials_mfa.md, id_credentials_mfa_enable_virtual.md).

CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice, ListMFADevices,
ListVirtualMFADevices, DeleteVirtualMFADevice; and ``verify_mfa`` for the STS calls that take
``SerialNumber``/``TokenCode``. Codes are TOTP (RFC 6238: 30-second steps, 6 digits, HMAC-SHA1),
accepted one step either side of now; a step, once accepted, is never accepted again. Wrong
codes are throttled per device (services.mfa_attempts).
"""

from __future__ import annotations

import hmac
import io
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pyotp
import segno

from rolegate.domain.arn import iam_arn
from rolegate.domain.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidAuthenticationCode,
    NoSuchEntity,
    ValidationError,
)
from rolegate.domain.mfa import MfaDevice
from rolegate.services import mfa_attempts
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.pagination import fetch_page
from rolegate.services.tags import tags_from_params, tags_to_wire
from rolegate.services.users import load_user, target_user_name, user_to_wire
from rolegate.store import Conflict, Page
from rolegate.store.page import decode_marker, encode_marker

STEP_SECONDS = 30
SEED_CHARACTERS = 64  # AWS's seeds are 64 base32 characters (40 bytes)
INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
INVALID_CODES = "Authentication code for device is not valid."
UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
    "serial number is valid and associated with this user."
)
_BASE32 = string.ascii_uppercase + "234567"


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
    return mfa_attempts.check_codes(
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

    mfa_attempts.check_codes(ctx, serial, spend, AccessDenied(INVALID_CODE))
    return MfaCheck(True, ctx.now, fresh=True)


# --- IAM operations -------------------------------------------------------------------------------
def _device_arn(account_id: str, path: str, name: str) -> str:
    return iam_arn(account_id, "mfa", path, name)


def create_virtual_mfa_device(ctx: OperationContext, params: Params) -> Result:
    name = params["VirtualMFADeviceName"]
    path = params.get("Path") or "/"
    serial = _device_arn(ctx.account_id, path, name)
    ctx.authorize("iam:CreateVirtualMFADevice", serial)
    tags = tags_from_params(params.get("Tags"))
    seed = "".join(ctx.rng.choice(_BASE32) for _ in range(SEED_CHARACTERS))
    device = MfaDevice(ctx.account_id, serial, name, path, seed, ctx.now, tags=tuple(tags))
    try:
        ctx.tx.mfa_devices.create(device)
    except Conflict:
        raise EntityAlreadyExists(
            "MFADevice entity at the same path and name already exists."
        ) from None
    out: dict[str, Any] = {
        "SerialNumber": serial,
        "Base32StringSeed": seed.encode("ascii"),
        "QRCodePNG": qr_code_png(name, ctx.account_id, seed),
    }
    if tags:
        out["Tags"] = tags_to_wire(tags)
    return {"VirtualMFADevice": out}


def qr_code_png(device_name: str, account_name: str, seed: str) -> bytes:
    """The PNG authenticator apps scan: ``otpauth://totp/NAME@ACCOUNT?secret=SEED`` (the
    VirtualMFADevice shape's documentation; ACCOUNT is the account id until a user is set)."""
    uri = f"otpauth://totp/{quote(device_name)}@{quote(account_name)}?secret={seed}"
    image = io.BytesIO()
    segno.make_qr(uri, error="m").save(image, kind="png", scale=4)
    return image.getvalue()


def no_such_device(serial: str) -> NoSuchEntity:
    # unverified: AWS's wording for an unknown serial number
    return NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")


def _load_device(ctx: OperationContext, serial: str) -> MfaDevice:
    device = ctx.tx.mfa_devices.get(serial)
    if device is None or device.account_id != ctx.account_id:
        raise no_such_device(serial)
    return device


def enable_mfa_device(ctx: OperationContext, params: Params) -> Result:
    """Two consecutive codes prove the device is in sync (id_credentials_mfa_enable_virtual.md)."""
    user = load_user(ctx, params["UserName"], "iam:EnableMFADevice")
    device = _load_device(ctx, params["SerialNumber"])
    if device.user_name is not None:
        raise EntityAlreadyExists("MFA Device is already in use.")  # unverified wording
    second = check_consecutive_codes(ctx, device, params, range(-10, 2))
    ctx.tx.mfa_devices.set_user(device.serial_number, user.user_name, ctx.now)
    ctx.tx.mfa_devices.advance_step(device.serial_number, second)
    return {}


def deactivate_mfa_device(ctx: OperationContext, params: Params) -> Result:
    name = target_user_name(ctx, params)
    if name is None:
        raise ValidationError("Must specify userName when calling with non-User credentials")
    user = load_user(ctx, name, "iam:DeactivateMFADevice")
    device = _load_device(ctx, params["SerialNumber"])
    if device.user_name != user.user_name:  # not enabled for this user
        raise no_such_device(device.serial_number)
    ctx.tx.mfa_devices.set_user(device.serial_number, None, None)
    return {}


def list_mfa_devices(ctx: OperationContext, params: Params) -> Result:
    name = target_user_name(ctx, params)
    if name is None:
        ctx.authorize("iam:ListMFADevices", f"arn:aws:iam::{ctx.account_id}:root")
        return {"MFADevices": [], "IsTruncated": False}  # root's devices are not modelled
    user = load_user(ctx, name, "iam:ListMFADevices")
    devices = ctx.tx.mfa_devices.list_for_user(ctx.account_id, user.user_name)
    page, extra = fetch_page(params, _pager("mfa-devices", devices))
    listed = [
        {"UserName": user.user_name, "SerialNumber": d.serial_number, "EnableDate": d.enable_date}
        for d in page
    ]
    return {"MFADevices": listed, **extra}


def _pager(listing: str, devices: list[MfaDevice]) -> Callable[[str | None, int], Page[MfaDevice]]:
    """Marker/MaxItems over a listing small enough to read whole (a few devices per user)."""
    ordered = sorted(devices, key=lambda d: d.serial_number)

    def fetch(marker: str | None, max_items: int) -> Page[MfaDevice]:
        after = None if marker is None else decode_marker(listing, marker)
        rest = [d for d in ordered if after is None or d.serial_number > after]
        items = rest[:max_items]
        more = len(rest) > max_items
        return Page(items, encode_marker(listing, items[-1].serial_number) if more else None)

    return fetch


def list_virtual_mfa_devices(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:ListVirtualMFADevices", "*")
    status = params.get("AssignmentStatus") or "Any"
    chosen = [
        device
        for device in ctx.tx.mfa_devices.list_for_account(ctx.account_id)
        if status == "Any" or (device.user_name is not None) == (status == "Assigned")
    ]
    page, extra = fetch_page(params, _pager("virtual-mfa-devices", chosen))
    out = []
    for device in page:
        item: dict[str, Any] = {"SerialNumber": device.serial_number}
        if device.user_name is not None:
            user = ctx.tx.users.get(ctx.account_id, device.user_name)
            if user is not None:
                item["User"] = user_to_wire(user, listing=True)
            item["EnableDate"] = device.enable_date
        if device.tags:
            item["Tags"] = tags_to_wire(device.tags)
        out.append(item)
    return {"VirtualMFADevices": out, **extra}


def delete_virtual_mfa_device(ctx: OperationContext, params: Params) -> Result:
    serial = params["SerialNumber"]
    ctx.authorize("iam:DeleteVirtualMFADevice", serial)
    device = _load_device(ctx, serial)
    if device.user_name is not None:
        raise DeleteConflict("MFA device is still in use.")  # unverified wording
    ctx.tx.mfa_devices.delete(serial)
    return {}


def operations() -> dict[str, Handler]:
    return {
        "CreateVirtualMFADevice": create_virtual_mfa_device,
        "EnableMFADevice": enable_mfa_device,
        "DeactivateMFADevice": deactivate_mfa_device,
        "ListMFADevices": list_mfa_devices,
        "ListVirtualMFADevices": list_virtual_mfa_devices,
        "DeleteVirtualMFADevice": delete_virtual_mfa_device,
    }
