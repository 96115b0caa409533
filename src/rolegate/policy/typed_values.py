"""Typed readings of condition values, shared by the compiler and the reference evaluator.

Each reader returns ``None`` for a value of the wrong type: such a value matches nothing
("IAM JSON policy elements: Condition operators"; non-numeric/non-date values are
[undocumented], we follow iam-simulate: no match).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_EPOCH = re.compile(r"-?\d+(\.\d+)?")


def read_number(text: str) -> Decimal | None:
    """An "integer or decimal value" (``"10"``, ``"1.5"``, ``"-3"``)."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def read_date(text: str) -> int | None:
    """Seconds since the epoch of an ISO 8601 date/time or of epoch (UNIX) time.

    Timezone-less values are UTC; comparison granularity is the second ([undocumented]).
    """
    text = text.strip()
    if _EPOCH.fullmatch(text):
        return int(Decimal(text))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 1)


def read_bool(text: str) -> str | None:
    lowered = text.lower()
    return lowered if lowered in ("true", "false") else None


def read_network(text: str) -> IpNetwork | None:
    """A CIDR block; a bare address is /32 (/128 for IPv6)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def read_ipv4(text: str) -> int | None:
    """Fast path: a dotted-quad IPv4 address as an integer (``None`` for anything else)."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if (
            not part.isdigit()
            or not part.isascii()
            or len(part) > 3
            or (len(part) > 1 and part[0] == "0")
        ):
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = value << 8 | octet
    return value


def read_address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def read_binary(text: str) -> bytes:
    """Bytes of a base-64 value; text that is not base-64 compares as its UTF-8 bytes."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()


def address_in(address: IpAddress, network: IpNetwork) -> bool:
    return address.version == network.version and address in network
