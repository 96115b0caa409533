"""``rolegate serve --no-console``: /console/ is then the API endpoint like any other path."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from harness import Server


def test_no_console_serves_no_pages(start_server: Callable[..., Server]) -> None:
    server = start_server(args=("--no-console",))
    answer = httpx.get(f"{server.endpoint}/console/signin")
    assert answer.status_code == 403  # an unsigned API request, not a page
    assert "<Code>MissingAuthenticationToken</Code>" in answer.text
    assert "content-security-policy" not in answer.headers
