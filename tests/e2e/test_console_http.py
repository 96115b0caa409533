"""The console over plain HTTP clients: ``--no-console``, and the ``Secure`` cookie behind a TLS
proxy (``--trusted-proxies``: uvicorn takes the scheme from ``X-Forwarded-Proto``)."""

from __future__ import annotations

import json
import uuid
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


def test_calls_carry_the_browser_address(server: Server) -> None:
    """aws:SourceIp of the console's calls is the browser's address, as for any client."""
    iam = server.client("iam")
    user = f"ip-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    iam.create_login_profile(UserName=user, Password="Pw-0123456789-abc")
    iam.put_user_policy(
        UserName=user,
        PolicyName="by-address",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:GetAccountSummary",
                        "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": "iam:ListUsers",
                        "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
                    },
                ],
            }
        ),
    )
    with httpx.Client(base_url=server.endpoint) as client:
        client.get("/console/signin")
        signed_in = client.post(
            "/console/signin",
            data={
                "csrf": client.cookies["rolegate-console-login"],
                "account": ACCOUNT_ID,
                "user": user,
                "password": "Pw-0123456789-abc",
            },
        )
        assert signed_in.status_code == 303
        dashboard = client.get("/console/")
        assert 'aria-label="Account summary"' in dashboard.text
        users = client.get("/console/users")
        assert users.status_code == 403
        assert "not authorized to perform: iam:ListUsers" in users.text


def test_bad_requests_get_answers_not_failures(server: Server) -> None:
    with httpx.Client(base_url=server.endpoint) as client:
        many = "&".join(f"f{i}=x" for i in range(200))  # past the 100 fields read
        assert client.get(f"/console/signin?{many}").status_code == 200
        assert (
            client.post(
                "/console/signin",
                content=b"\xff\xfe",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ).status_code
            == 403
        )  # no form, so no sign-in token: refused
        big = client.post(
            "/console/signin",
            content=b"a=" + b"x" * 70_000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert big.status_code == 413
        assert client.get("/console/assets/nothing.js").status_code == 404
        stranger = client.get("/console/", headers={"Sec-Fetch-Site": "cross-site"})
        assert stranger.status_code == 403
        assert (
            client.get("/console/", headers={"Cookie": "rolegate-console=forged"}).headers[
                "location"
            ]
            == "/console/signin"
        )
