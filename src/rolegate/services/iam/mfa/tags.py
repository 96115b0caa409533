"""Tags of virtual MFA devices (id_tags.md): TagMFADevice, UntagMFADevice, ListMFADeviceTags."""

from __future__ import annotations

from rolegate.domain.mfa import MfaDevice
from rolegate.services._pagination import page_by_position
from rolegate.services._tags import merge_tags, remove_tags, tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.mfa.devices import no_such_device


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


HANDLERS: dict[str, Handler] = {
    "TagMFADevice": tag_mfa_device,
    "UntagMFADevice": untag_mfa_device,
    "ListMFADeviceTags": list_mfa_device_tags,
}
