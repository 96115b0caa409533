"""The agent's pure parts: IMDSv2 session tokens, ``--listen``, and the refresher's schedule,
failures and logs (the HTTP behaviour is tested end to end in tests/e2e/test_agent_*.py)."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import UTC, datetime, timedelta

import pytest

from rolegate.agent.client import RoleCredentials, RolegateError, RolegateUnavailable
from rolegate.agent.imds import Tokens
from rolegate.agent.refresher import Refresher
from rolegate.agent.run import split_listen

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SECRET = "s3cr3t/key/value/that/must/not/appear/in/logs"
SESSION_TOKEN = "session-token-that-must-not-appear-in-logs"


def credentials(expires_in: float) -> RoleCredentials:
    return RoleCredentials(
        access_key_id="ASIAEXAMPLE",
        secret_access_key=SECRET,
        session_token=SESSION_TOKEN,
        expiration=NOW + timedelta(seconds=expires_in),
        role_arn="arn:aws:iam::123456789012:role/app",
        assumed_role_arn="arn:aws:sts::123456789012:assumed-role/app/i-0123456789abcdef0",
    )


def test_tokens_valid_until_their_ttl() -> None:
    tokens = Tokens()
    token = tokens.issue(60, 1000.9)
    assert tokens.valid(token, 1060.8)  # the whole TTL, not cut to the second
    assert not tokens.valid(token, 1060.9)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another MAC
        lambda t: "",
        lambda t: "%%%not base64%%%",
        lambda t: t + "A" * 60,  # longer than any token: refused before decoding
        lambda t: base64.urlsafe_b64encode(b"short").decode(),
    ],
)
def test_tokens_refuse_anything_else(mangle: object) -> None:
    tokens = Tokens()
    token = tokens.issue(60, 1000.0)
    assert callable(mangle)
    assert not tokens.valid(mangle(token), 1001.0)


def test_tokens_of_another_agent_are_refused() -> None:
    assert not Tokens().valid(Tokens().issue(60, 1000.0), 1001.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1:1338", ("127.0.0.1", 1338)), ("[::1]:80", ("::1", 80))],
)
def test_split_listen(text: str, expected: tuple[str, int]) -> None:
    assert split_listen(text) == expected


@pytest.mark.parametrize("text", ["1338", "127.0.0.1:", ":80", "host:0", "host:70000", "h:x"])
def test_split_listen_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="--listen wants HOST:PORT"):
        split_listen(text)


def test_refresh_is_due_margin_before_expiry() -> None:
    refresher = Refresher(lambda: credentials(900), margin=300, clock=lambda: NOW)
    asyncio.run(refresher.fetch_once())
    assert refresher._delay() == 600
    assert refresher.fetches == 1
    assert refresher.valid() is not None
    # a margin beyond the session's length: at most once a second, never a busy loop
    eager = Refresher(lambda: credentials(900), margin=1000, clock=lambda: NOW)
    asyncio.run(eager.fetch_once())
    assert eager._delay() == 1.0


def test_default_margin_is_a_third_of_the_lifetime_at_least_300_s() -> None:
    for lifetime, delay in ((3600, 2400), (900, 600), (21600, 14400)):
        refresher = Refresher(lambda n=lifetime: credentials(n), clock=lambda: NOW)
        asyncio.run(refresher.fetch_once())
        assert refresher._delay() == delay, lifetime


def test_failures_are_logged_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    moments = [NOW]
    refresher = Refresher(lambda: credentials(900), margin=300, clock=lambda: moments[0])
    caplog.set_level(logging.INFO, logger="rolegate.agent")
    asyncio.run(refresher.fetch_once())
    refresher.failed(RolegateError("AccessDenied", "User: x is not authorized", 403))
    assert refresher.problem is not None and refresher.problem.code == "AccessDenied"
    assert refresher.valid() is not None  # still served until they expire
    moments[0] = NOW + timedelta(seconds=901)
    refresher.failed(RolegateUnavailable("http://127.0.0.1:4566: ConnectError"))
    assert refresher.valid() is None
    text = caplog.text
    assert "cannot renew credentials (AccessDenied: User: x is not authorized)" in text
    assert "the current ones expire in 900 s" in text
    assert "no valid credentials to serve: cannot renew (Unavailable" in text
    assert SECRET not in text and SESSION_TOKEN not in text
    assert SECRET not in repr(credentials(1)) and SESSION_TOKEN not in repr(credentials(1))
