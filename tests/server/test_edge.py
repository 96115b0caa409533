"""server.edge: loopback names, the operator's lists, and which browser requests are refused."""

from __future__ import annotations

import pytest

from rolegate.server.edge import BrowserGuard, is_loopback, parse_networks, parse_origins


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("app.localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("localhost.example", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_trusted_proxies_are_networks() -> None:
    assert parse_networks(" 127.0.0.1, 10.1.2.3/8 ,::1") == (
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    )
    assert parse_networks(None) == parse_networks("") == ()
    with pytest.raises(ValueError, match=r"--trusted-proxies: 'proxy\.internal' is not an IP"):
        parse_networks("10.0.0.1,proxy.internal")


def test_allowed_origins_are_origins() -> None:
    assert parse_origins("http://localhost:3000/, HTTPS://App.Example") == (
        "http://localhost:3000",
        "https://app.example",
    )
    for bad in ("*", "null", "localhost:3000", "http://a.example/path", "ftp://a.example"):
        with pytest.raises(ValueError, match=r"--allowed-origins: .* is not an origin"):
            parse_origins(bad)


GUARD = BrowserGuard(["http://localhost:3000"], loopback_hosts_only=False)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # SDKs and the AWS CLI
        {"sec-fetch-site": "none"},  # typed into the address bar
        {"sec-fetch-site": "same-origin"},
        {"origin": "http://localhost:3000", "sec-fetch-site": "cross-site"},
        {"origin": "http://LOCALHOST:3000/"},
    ],
)
def test_answered(headers: dict[str, str]) -> None:
    assert GUARD.refusal(headers) is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"origin": "https://evil.example"}, "Origin 'https://evil.example' is not an allowed"),
        ({"origin": "null"}, "Origin 'null' is not an allowed"),
        ({"origin": "http://localhost:3001"}, "Origin 'http://localhost:3001'"),
        ({"sec-fetch-site": "cross-site"}, "Sec-Fetch-Site 'cross-site' without an allowed"),
        ({"sec-fetch-site": "Same-Site"}, "Sec-Fetch-Site 'same-site' without an allowed"),
    ],
)
def test_refused(headers: dict[str, str], reason: str) -> None:
    refusal = GUARD.refusal(headers)
    assert refusal is not None and reason in refusal


def test_loopback_only_host_names() -> None:
    guard = BrowserGuard([], loopback_hosts_only=True)
    for host in ("127.0.0.1:4566", "localhost:4566", "[::1]:4566", "localhost"):
        assert guard.refusal({"host": host}) is None
    for host in ("rebind.example:4566", "10.0.0.1:4566", "", "[::1"):
        refusal = guard.refusal({"host": host})
        assert refusal is not None and refusal.startswith(f"Request for host '{host}' refused")
