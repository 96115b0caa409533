"""The server's edge: which peers' forwarded headers count.

Proxies (``--trusted-proxies``): ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are not signed, so
they say who the client is (``aws:SourceIp``) and whether it used TLS (``aws:SecureTransport``)
only when the peer that sent them is a proxy the operator named. The parsing of the headers is
uvicorn's (its proxy-headers middleware, given exactly these networks); here the list is checked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def parse_networks(value: str | None) -> tuple[str, ...]:
    """``--trusted-proxies``: comma-separated addresses or CIDR networks, as networks."""
    networks = []
    for item in _items(value):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(
                f"--trusted-proxies: {item!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def _items(value: str | None) -> Iterable[str]:
    return (item.strip() for item in (value or "").split(",") if item.strip())
