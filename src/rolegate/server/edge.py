"""The server's edge: which peers' forwarded headers count, and which browser requests are refused.

Proxies (``--trusted-proxies``): ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are not signed, so
they say who the client is (``aws:SourceIp``) and whether it used TLS (``aws:SecureTransport``)
only when the peer that sent them is a proxy the operator named. The parsing of the headers is
uvicorn's (its proxy-headers middleware, given exactly these networks); here the list is checked.

Browsers: a web page can make the browser send simple requests (GET, or a form POST) to any
address the browser reaches, rolegate on loopback included, with no way to read the answer but
with every side effect. The browser says so: ``Origin`` on every cross-origin request and on
every POST, ``Sec-Fetch-Site`` (``cross-site``, ``same-site``) on every request of current
browsers. Such requests are refused unless their ``Origin`` is on ``--allowed-origins``, in both
auth modes:

* permissive: a made-up key is the root user of any account, so the page would act as root;
* strict: the page cannot sign, but it can replay a presigned URL it holds through a browser
  inside the network, which satisfies the network conditions (``aws:SourceIp``) of its policies.

SDKs and the AWS CLI never send these headers. Permissive mode bound to loopback also answers
only requests whose ``Host`` is a loopback name (DNS rebinding: a page whose own host name
resolves to 127.0.0.1 is "same-origin" to the browser and sends neither header on a GET).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
_CROSS_SITE = frozenset({"cross-site", "same-site"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a listen address or a Host header's name) is this machine only."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: loopback, always
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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


def parse_origins(value: str | None) -> tuple[str, ...]:
    """``--allowed-origins``: comma-separated ``scheme://host[:port]``, as browsers send them."""
    origins = []
    for item in _items(value):
        origin = item.rstrip("/").lower()
        if not _ORIGIN.match(origin):
            raise ValueError(
                f"--allowed-origins: {item!r} is not an origin like http://localhost:3000"
            )
        origins.append(origin)
    return tuple(origins)


def _items(value: str | None) -> Iterable[str]:
    return (item.strip() for item in (value or "").split(",") if item.strip())


class BrowserGuard:
    """Refuses the browser requests the module docstring describes."""

    def __init__(self, allowed_origins: Iterable[str], *, loopback_hosts_only: bool) -> None:
        self._allowed = frozenset(allowed_origins)
        self._loopback_hosts_only = loopback_hosts_only

    def refusal(self, headers: Mapping[str, str]) -> str | None:
        """Why a request with these headers (lower-case names) is refused, or None."""
        origin = headers.get("origin")
        if origin is not None and origin.rstrip("/").lower() not in self._allowed:
            return (
                f"Cross-site request refused: Origin '{origin}' is not an allowed origin "
                "(rolegate serve --allowed-origins)."
            )
        site = headers.get("sec-fetch-site", "").strip().lower()
        if origin is None and site in _CROSS_SITE:
            return (
                f"Cross-site request refused: Sec-Fetch-Site '{site}' without an allowed "
                "Origin (rolegate serve --allowed-origins)."
            )
        if self._loopback_hosts_only:
            host = headers.get("host", "")
            if not is_loopback(_host_name(host)):
                return (
                    f"Request for host '{host}' refused: permissive mode on a loopback address "
                    "answers only requests for localhost or a loopback address."
                )
        return None


def _host_name(host: str) -> str:
    """The name in a Host header (``name``, ``name:port``, ``[v6]:port``)."""
    host = host.strip()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
