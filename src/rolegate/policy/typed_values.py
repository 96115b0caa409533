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
import socket
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
    if text[4:5] == "-":  # an ISO date (never epoch time): skip the epoch check
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return int(moment.timestamp() // 1)
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


def read_ip(text: str) -> tuple[int, int] | None:
    """An IP address as (version, integer value), for bitmask tests against :func:`cidr_bits`.

    ``inet_pton`` (strict: dotted quads without leading zeros, RFC 4291 text) reads the usual
    forms in C; anything else (surrounding spaces, an IPv6 scope id) goes through ``ipaddress``.
    """
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError, UnicodeError):
        pass
    try:
        return 6, int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
    except (OSError, ValueError, UnicodeError):
        pass
    address = read_address(text)
    return None if address is None else (address.version, int(address))


def cidr_bits(network: IpNetwork) -> tuple[int, int, int]:
    """(version, network value, netmask): ``read_ip(a)`` is in it when ``value & mask == net``."""
    return network.version, int(network.network_address), int(network.netmask)


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
