"""What a web page can make a browser send to rolegate (issue 13, finding 9), with httpx.

A page may send simple requests anywhere: GETs and form or text/plain POSTs, with the browser's
``Origin`` and ``Sec-Fetch-Site`` headers. In permissive mode a made-up presigned URL is the root
user of any account, so such a request used to run as root; ``POST /_rolegate/reset`` worked as
a text/plain POST. Now cross-site requests are refused unless their origin is allowed, reset needs
a custom header, and permissive mode stays on loopback unless the operator says otherwise.
"""

from __future__ import annotations

import subprocess
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from harness import BIN, RESET, Server
from signing import presigned_get, signed

OTHER_ACCOUNT = "210987654321"
EVIL = "https://evil.example"


def made_up_presigned_url(server: Server, params: dict[str, str]) -> str:
    """What any page can write: presigned parameters with a 12-digit key and no real signature."""
    now = datetime.now(UTC)
    auth = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{OTHER_ACCOUNT}/{now:%Y%m%d}/us-east-1/iam/aws4_request",
        "X-Amz-Date": f"{now:%Y%m%dT%H%M%SZ}",
        "X-Amz-Expires": "300",
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": "0" * 64,
    }
    return f"{server.endpoint}/?{urllib.parse.urlencode({**params, **auth})}"


def create_user_url(server: Server, name: str) -> str:
    return made_up_presigned_url(
        server, {"Action": "CreateUser", "Version": "2010-05-08", "UserName": name}
    )


def users_of_other_account(server: Server) -> set[str]:
    iam = server.client("iam", OTHER_ACCOUNT, "anything")
    return {user["UserName"] for user in iam.list_users()["Users"]}


def refused(reply: httpx.Response) -> str:
    assert reply.status_code == 403, reply.text
    assert "<Code>AccessDenied</Code>" in reply.text
    return reply.text


@pytest.fixture
def permissive(start_server: Callable[..., Server]) -> Server:
    return start_server(auth="permissive")


def test_a_cross_site_get_does_not_run_as_root(permissive: Server) -> None:
    # The made-up URL works for a client that is not a browser page: permissive mode.
    assert httpx.get(create_user_url(permissive, "direct")).status_code == 200
    cross_site = httpx.get(
        create_user_url(permissive, "forged"), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert "Sec-Fetch-Site 'cross-site' without an allowed Origin" in refused(cross_site)
    same_site = httpx.get(
        create_user_url(permissive, "sibling"), headers={"Sec-Fetch-Site": "same-site"}
    )
    refused(same_site)
    with_origin = httpx.post(
        create_user_url(permissive, "posted"),
        content=b"",
        headers={"Origin": EVIL, "Content-Type": "text/plain"},
    )
    assert f"Origin '{EVIL}' is not an allowed origin" in refused(with_origin)
    assert users_of_other_account(permissive) == {"direct"}


def test_reset_needs_a_header_no_page_can_send_cross_site(permissive: Server) -> None:
    iam = permissive.client("iam")
    iam.create_user(UserName="kept")
    url = permissive.endpoint + "/_rolegate/reset"
    simple = httpx.post(url, content=b"x", headers={"Content-Type": "text/plain"})
    assert (simple.status_code, simple.text) == (
        403,
        "reset needs the header X-Rolegate-Reset: 1\n",
    )
    from_page = httpx.post(url, headers={**RESET, "Origin": EVIL})
    assert from_page.status_code == 403
    assert from_page.text.startswith(f"Cross-site request refused: Origin '{EVIL}'")
    assert httpx.get(url, headers=RESET).status_code == 405
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["kept"]
    done = httpx.post(url, headers=RESET)
    assert (done.status_code, done.text) == (200, "reset\n")
    assert iam.list_users()["Users"] == []


def test_permissive_on_loopback_answers_only_loopback_host_names(permissive: Server) -> None:
    """DNS rebinding: a page whose host name resolves to 127.0.0.1 is same-origin to itself."""
    port = permissive.port
    rebound = httpx.get(
        create_user_url(permissive, "rebound"), headers={"Host": f"a.example:{port}"}
    )
    assert "Request for host 'a.example:" in refused(rebound)
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
        reply = httpx.get(
            made_up_presigned_url(permissive, {"Action": "ListUsers", "Version": "2010-05-08"}),
            headers={"Host": host},
        )
        assert reply.status_code == 200, (host, reply.text)
    assert "rebound" not in users_of_other_account(permissive)


def test_an_allowed_origin_is_answered(start_server: Callable[..., Server]) -> None:
    srv = start_server(auth="permissive", args=("--allowed-origins", "http://localhost:3000"))
    reply = httpx.get(
        create_user_url(srv, "from-the-app"),
        headers={"Origin": "http://localhost:3000", "Sec-Fetch-Site": "cross-site"},
    )
    assert reply.status_code == 200, reply.text
    refused(httpx.get(create_user_url(srv, "other"), headers={"Origin": "http://localhost:3001"}))
    assert users_of_other_account(srv) == {"from-the-app"}


def test_strict_mode_refuses_cross_site_requests_too(server: Server) -> None:
    """A page cannot sign, but it can replay a presigned URL from inside the network."""
    url = presigned_get(
        server.endpoint, {"Action": "GetCallerIdentity", "Version": "2011-06-15"}, service="sts"
    )
    assert httpx.get(url).status_code == 200
    refused(httpx.get(url, headers={"Sec-Fetch-Site": "cross-site"}))
    post_url, body, headers = signed(
        server.endpoint, {"Action": "GetCallerIdentity", "Version": "2011-06-15"}, service="sts"
    )
    assert httpx.post(post_url, content=body, headers=headers).status_code == 200
    refused(httpx.post(post_url, content=body, headers={**headers, "Origin": EVIL}))
    # SDKs send neither header; and strict mode answers any Host name.
    assert server.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_permissive_mode_stays_on_loopback_unless_told_otherwise(
    start_server: Callable[..., Server],
) -> None:
    done = subprocess.run(
        [str(BIN / "rolegate"), "serve", "--auth", "permissive", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--auth permissive listens on a loopback address only, not '0.0.0.0'" in done.stderr
    srv = start_server(auth="permissive", args=("--host", "0.0.0.0", "--allow-remote-permissive"))
    assert "ANYONE WHO REACHES PORT" in srv.output()
    # Bound beyond loopback by choice: any Host name is answered; cross-site is still refused.
    listed = httpx.get(
        made_up_presigned_url(srv, {"Action": "ListUsers", "Version": "2010-05-08"}),
        headers={"Host": f"rolegate.internal:{srv.port}"},
    )
    assert listed.status_code == 200, listed.text
    refused(httpx.get(create_user_url(srv, "x"), headers={"Sec-Fetch-Site": "cross-site"}))
