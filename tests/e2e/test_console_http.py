"""The console over plain HTTP clients: ``--no-console``, and the ``Secure`` cookie behind a TLS
proxy (``--trusted-proxies``: uvicorn takes the scheme from ``X-Forwarded-Proto``)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from harness import ACCOUNT_ID, Server


def test_no_console_serves_no_pages(start_server: Callable[..., Server]) -> None:
    server = start_server(args=("--no-console",))
    answer = httpx.get(f"{server.endpoint}/console/signin")
    assert answer.status_code == 403  # an unsigned API request, not a page
    assert "<Code>MissingAuthenticationToken</Code>" in answer.text
    assert "content-security-policy" not in answer.headers


def test_cookies_are_secure_behind_a_tls_proxy(start_server: Callable[..., Server]) -> None:
    server = start_server(args=("--trusted-proxies", "127.0.0.1/32"))
    iam = server.client("iam")
    iam.create_user(UserName="tls-user")
    iam.create_login_profile(UserName="tls-user", Password="Pw-0123456789-abc")
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    # the cookies are Secure: a client on plain http to the proxy's back end would not send
    # them back, so the test sends the sign-in form's token itself
    form = httpx.get(f"{server.endpoint}/console/signin", headers=proxied)
    login = form.headers["set-cookie"]
    assert "Secure" in login.split("; ")
    token = login.split(";", 1)[0].split("=", 1)[1]
    signed_in = httpx.post(
        f"{server.endpoint}/console/signin",
        data={
            "csrf": token,
            "account": ACCOUNT_ID,
            "user": "tls-user",
            "password": "Pw-0123456789-abc",
        },
        headers={
            **proxied,
            "Origin": f"https://127.0.0.1:{server.port}",
            "Cookie": f"rolegate-console-login={token}",
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("rolegate-console=")
    assert {"HttpOnly", "SameSite=Strict", "Secure", "Path=/console"} <= set(cookie.split("; "))
    with httpx.Client(base_url=server.endpoint) as plain:
        assert "Secure" not in plain.get("/console/signin").headers["set-cookie"]
