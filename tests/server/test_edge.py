"""server.edge: the operator's list of trusted proxies."""

from __future__ import annotations

import pytest

from rolegate.server.edge import parse_networks


def test_trusted_proxies_are_networks() -> None:
    assert parse_networks(" 127.0.0.1, 10.1.2.3/8 ,::1") == (
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    )
    assert parse_networks(None) == parse_networks("") == ()
    with pytest.raises(ValueError, match=r"--trusted-proxies: 'proxy\.internal' is not an IP"):
        parse_networks("10.0.0.1,proxy.internal")
