"""Virtual MFA devices
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_sync.html):
CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice, ListMFADevices, ListVirtualMFADevices,
DeleteVirtualMFADevice, ResyncMFADevice. The codes they take are checked by ``codes``.
"""

from __future__ import annotations

import io
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import segno

from rolegate.domain.arn import iam_arn
from rolegate.domain.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
    ValidationError,
)
from rolegate.domain.mfa import MfaDevice
from rolegate.services._pagination import fetch_page
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.mfa.codes import check_consecutive_codes
from rolegate.services.iam.users import load_user, target_user_name, user_to_wire
from rolegate.store import Conflict, Page, decode_marker, encode_marker

SEED_CHARACTERS = 64  # AWS's seeds are 64 base32 characters (40 bytes)
_BASE32 = string.ascii_uppercase + "234567"
# Resynchronising accepts codes from a device whose clock drifted this many steps either way.
RESYNC_WINDOW = range(-20, 21)
# A device's serial number is its ARN, and every operation that names a device takes at most this
# many characters (the model's serialNumberType): 226 for a name under the default path.
MAX_SERIAL_NUMBER = 256


def _device_arn(account_id: str, path: str, name: str) -> str:
    return iam_arn(account_id, "mfa", path, name)


def create_virtual_mfa_device(ctx: OperationContext, params: Params) -> Result:
    name = params["VirtualMFADeviceName"]
    path = params.get("Path") or "/"
    serial = _device_arn(ctx.account_id, path, name)
    if len(serial) > MAX_SERIAL_NUMBER:
        # unverified: AWS's answer; a longer serial number could never be enabled or used
        longest = MAX_SERIAL_NUMBER - (len(serial) - len(name))
        raise ValidationError(
            "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {longest}"
        )
    ctx.authorize("iam:CreateVirtualMFADevice", serial)
    tags = tags_from_params(params.get("Tags"))
    seed = "".join(ctx.rng.choice(_BASE32) for _ in range(SEED_CHARACTERS))
    device = MfaDevice(
        account_id=ctx.account_id,
        serial_number=serial,
        device_name=name,
        path=path,
        seed=seed,
        create_date=ctx.now,
        tags=tuple(tags),
    )
    try:
        ctx.tx.mfa_devices.create(device)
    except Conflict:
        raise EntityAlreadyExists("MFA device already exists.") from None
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


def load_device(ctx: OperationContext, serial: str, action: str) -> MfaDevice:
    """The device, once the caller may perform ``action`` on it (its ARN is its serial)."""
    ctx.authorize(action, serial)
    device = ctx.tx.mfa_devices.get(serial)
    if device is None or device.account_id != ctx.account_id:
        raise no_such_device(serial)
    return device


def _load_device(ctx: OperationContext, serial: str) -> MfaDevice:
    device = ctx.tx.mfa_devices.get(serial)
    if device is None or device.account_id != ctx.account_id:
        raise no_such_device(serial)
    return device


def enable_mfa_device(ctx: OperationContext, params: Params) -> Result:
    """Two consecutive codes prove the device is in sync
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html)."""
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


def get_mfa_device(ctx: OperationContext, params: Params) -> Result:
    """One device enabled for the user (the caller's own without UserName), in the
    ``GetMFADeviceResponse`` shape. AWS built this for FIDO security keys; a virtual device
    answers the same members but ``Certifications``, which only FIDO keys carry."""
    name = target_user_name(ctx, params)
    serial = params["SerialNumber"]
    if name is None:
        ctx.authorize("iam:GetMFADevice", f"arn:aws:iam::{ctx.account_id}:root")
        raise no_such_device(serial)  # root's devices are not modelled
    user = load_user(ctx, name, "iam:GetMFADevice")
    device = ctx.tx.mfa_devices.get(serial)
    if device is None or device.account_id != ctx.account_id or device.user_name != user.user_name:
        raise no_such_device(serial)
    return {"UserName": user.user_name, "SerialNumber": serial, "EnableDate": device.enable_date}


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


def resync_mfa_device(ctx: OperationContext, params: Params) -> Result:
    """Two consecutive codes within ten minutes of now bring the device back into use."""
    user = load_user(ctx, params["UserName"], "iam:ResyncMFADevice")
    device = ctx.tx.mfa_devices.get(params["SerialNumber"])
    if device is None or device.account_id != ctx.account_id or device.user_name != user.user_name:
        raise no_such_device(params["SerialNumber"])
    second = check_consecutive_codes(ctx, device, params, RESYNC_WINDOW)
    ctx.tx.mfa_devices.advance_step(device.serial_number, second)
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateVirtualMFADevice": create_virtual_mfa_device,
    "EnableMFADevice": enable_mfa_device,
    "DeactivateMFADevice": deactivate_mfa_device,
    "ListMFADevices": list_mfa_devices,
    "GetMFADevice": get_mfa_device,
    "ListVirtualMFADevices": list_virtual_mfa_devices,
    "DeleteVirtualMFADevice": delete_virtual_mfa_device,
    "ResyncMFADevice": resync_mfa_device,
}
