"""The policy simulator's inputs, checked the way IAM checks them: action names, resource ARNs,
``ResourceOwner``, ``CallerArn``, ``ContextEntries`` and ``ResourceHandlingOption``
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html).

Messages marked ``# unverified`` are not documented by AWS; the others are IAM's answers as
recorded by its users.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rolegate.domain.arn import Arn
from rolegate.domain.errors import InvalidInput
from rolegate.policy.request import ContextValue
from rolegate.policy.typed_values import read_date, read_number

# ContextKeyType -> (the type of each value, whether the key takes several values)
CONTEXT_KEY_TYPES: dict[str, tuple[str, bool]] = {
    "string": ("string", False),
    "stringList": ("string", True),
    "numeric": ("numeric", False),
    "numericList": ("numeric", True),
    "boolean": ("boolean", False),
    "booleanList": ("boolean", True),
    "ip": ("ip", False),
    "ipList": ("ip", True),
    "binary": ("binary", False),
    "binaryList": ("binary", True),
    "date": ("date", False),
    "dateList": ("date", True),
}

# ResourceHandlingOption -> the EC2 resource types the scenario needs (the parameter's
# documentation in the API reference).
SCENARIOS: dict[str, tuple[str, ...]] = {
    "EC2-VPC-InstanceStore": ("instance", "image", "security-group", "network-interface"),
    "EC2-VPC-InstanceStore-Subnet": (
        "instance",
        "image",
        "security-group",
        "network-interface",
        "subnet",
    ),
    "EC2-VPC-EBS": ("instance", "image", "security-group", "network-interface", "volume"),
    "EC2-VPC-EBS-Subnet": (
        "instance",
        "image",
        "security-group",
        "network-interface",
        "subnet",
        "volume",
    ),
}


@dataclass(frozen=True, slots=True)
class IamEntity:
    """A user, group or role ARN taken apart."""

    arn: str
    account: str
    kind: str  # "user" | "group" | "role"
    name: str


def iam_entity(arn: str) -> IamEntity | None:
    """``arn`` as a user, group or role ARN (``arn:aws:iam::ACCOUNT:user/PATH/NAME``)."""
    try:
        parsed = Arn.parse(arn)
    except ValueError:
        return None
    kind, slash, rest = parsed.resource.partition("/")
    name = rest.rpartition("/")[2]
    if parsed.service != "iam" or kind not in ("user", "group", "role") or not slash or not name:
        return None
    if not (len(parsed.account) == 12 and parsed.account.isdigit()):
        return None
    return IamEntity(arn, parsed.account, kind, name)


def policy_source(arn: str) -> IamEntity:
    entity = iam_entity(arn)
    if entity is None:
        # "Invalid Entity Arn: ARN" is IAM's answer for a session ARN; the rest is unverified.
        raise InvalidInput(
            f"Invalid Entity Arn: {arn} does not clearly define entity type and name."
        )
    return entity


def caller_entity(arn: str) -> IamEntity:
    """``CallerArn``: a user, group or role, never a session, federated user or service."""
    entity = iam_entity(arn)
    if entity is None:
        raise InvalidInput(f"Invalid CallerArn: {arn}.")  # unverified
    return entity


def action_names(names: Sequence[str], *, wildcards: bool) -> list[str]:
    """Each action names its service (``iam:CreateUser``); SimulateCustomPolicy takes no
    wildcards."""
    for name in names:
        service, colon, action = name.partition(":")
        if not colon or not service or not action:
            raise InvalidInput(
                f"Actions must be in the format service:action: {name}."
            )  # unverified
        if not wildcards and ("*" in name or "?" in name):
            raise InvalidInput(
                f"Wildcards are not supported in action names: {name}."
            )  # unverified
    return list(names)


def resource_arns(arns: Sequence[str] | None) -> list[str] | None:
    """The resources, None when none were given (the simulation then uses ``*``)."""
    if not arns:
        return None
    for arn in arns:
        if arn != "*" and not _is_arn(arn):
            raise InvalidInput(f"ResourceNames are not in a valid ARN format: {arn}.")
    return list(arns)


def _is_arn(text: str) -> bool:
    parts = text.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and bool(parts[1]) and bool(parts[2])


def resource_owner(value: str | None) -> str | None:
    """The account of ``ResourceOwner``: an account id or its root ARN
    (``arn:aws:iam::112233445566:root``)."""
    if value is None:
        return None
    account = value
    if value.startswith("arn:"):
        parts = value.split(":")
        account = parts[4] if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root" else ""
    if not (len(account) == 12 and account.isdigit()):
        raise not_a_resource_owner(value)
    return account


def not_a_resource_owner(value: str) -> InvalidInput:
    return InvalidInput(f"'{value}' is not a valid as a Resource Owner.")


def resource_handling(option: str | None, resources: Sequence[str]) -> None:
    """An EC2 scenario needs a resource of each of its types among ``ResourceArns``."""
    if option is None:
        return
    needed = SCENARIOS.get(option)
    if needed is None:
        raise InvalidInput(f"Invalid ResourceHandlingOption: {option}.")  # unverified
    given = {
        arn.split(":", 5)[5].partition("/")[0]
        for arn in resources
        if _is_arn(arn) and arn.split(":", 5)[2] == "ec2"
    }
    missing = [kind for kind in needed if kind not in given]
    if missing:
        raise InvalidInput(  # unverified
            f"ResourceHandlingOption {option} requires resources of type: {', '.join(missing)}."
        )


def context_entries(entries: Sequence[Mapping[str, Any]] | None) -> dict[str, ContextValue]:
    """``ContextEntries`` as the engine's context: one string, or a list for the list types;
    each value must read as its type."""
    context: dict[str, ContextValue] = {}
    for entry in entries or ():
        name = entry.get("ContextKeyName")
        kind = entry.get("ContextKeyType")
        values = list(entry.get("ContextKeyValues") or ())
        if name is None or kind is None:
            raise InvalidInput(  # unverified
                "Each context entry needs a ContextKeyName and a ContextKeyType."
            )
        value_type, many = CONTEXT_KEY_TYPES[kind]
        if not many and len(values) != 1:
            raise InvalidInput(  # unverified
                f"Context key {name} of type {kind} takes exactly one value."
            )
        for value in values:
            if not _reads_as(value_type, value):
                raise InvalidInput(  # unverified
                    f"Invalid value for context key {name} of type {kind}: {value}."
                )
        if value_type == "boolean":
            values = [value.lower() for value in values]
        context[name] = values if many else values[0]
    return context


def _reads_as(value_type: str, value: str) -> bool:
    """Whether ``value`` reads as ``value_type`` the way the engine's conditions read it."""
    if value_type == "numeric":
        return read_number(value) is not None
    if value_type == "boolean":
        return value.lower() in ("true", "false")
    if value_type == "ip":
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        return True
    if value_type == "binary":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return False
        return True
    if value_type == "date":
        return read_date(value) is not None
    return True
