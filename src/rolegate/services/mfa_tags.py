"""Tags of virtual MFA devices and resynchronising a device (id_tags.md,
id_credentials_mfa_sync.md): TagMFADevice, UntagMFADevice, ListMFADeviceTags, ResyncMFADevice."""

from __future__ import annotations

from rolegate.domain.mfa import MfaDevice
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.mfa import check_consecutive_codes, no_such_device
from rolegate.services.pagination import page_by_position
from rolegate.services.tags import merge_tags, remove_tags, tags_from_params, tags_to_wire
from rolegate.services.users import load_user

# Resynchronising accepts codes from a device whose clock drifted this many steps either way.
RESYNC_WINDOW = range(-20, 21)


def load_device(ctx: OperationContext, serial: str, action: str) -> MfaDevice:
    """The device, once the caller may perform ``action`` on it (its ARN is its serial)."""
    ctx.authorize(action, serial)
    device = ctx.tx.mfa_devices.get(serial)
    if device is None or device.account_id != ctx.account_id:
        raise no_such_device(serial)
    return device


def tag_mfa_device(ctx: OperationContext, params: Params) -> Result:
    device = load_device(ctx, params["SerialNumber"], "iam:TagMFADevice")
    tags = merge_tags(device.tags, tags_from_params(params["Tags"]), "TagsPerMFADevice")
    ctx.tx.mfa_devices.set_tags(device.serial_number, tags)
    return {}


def untag_mfa_device(ctx: OperationContext, params: Params) -> Result:
    device = load_device(ctx, params["SerialNumber"], "iam:UntagMFADevice")
    ctx.tx.mfa_devices.set_tags(device.serial_number, remove_tags(device.tags, params["TagKeys"]))
    return {}


def list_mfa_device_tags(ctx: OperationContext, params: Params) -> Result:
    device = load_device(ctx, params["SerialNumber"], "iam:ListMFADeviceTags")
    return page_by_position(tags_to_wire(device.tags), "Tags", params)


def resync_mfa_device(ctx: OperationContext, params: Params) -> Result:
    """Two consecutive codes within ten minutes of now bring the device back into use."""
    user = load_user(ctx, params["UserName"], "iam:ResyncMFADevice")
    device = ctx.tx.mfa_devices.get(params["SerialNumber"])
    if device is None or device.account_id != ctx.account_id or device.user_name != user.user_name:
        raise no_such_device(params["SerialNumber"])
    second = check_consecutive_codes(ctx, device, params, RESYNC_WINDOW)
    ctx.tx.mfa_devices.advance_step(device.serial_number, second)
    return {}


def operations() -> dict[str, Handler]:
    return {
        "TagMFADevice": tag_mfa_device,
        "UntagMFADevice": untag_mfa_device,
        "ListMFADeviceTags": list_mfa_device_tags,
        "ResyncMFADevice": resync_mfa_device,
    }
