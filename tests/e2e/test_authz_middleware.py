"""rolegate.authz_client: a real Starlette app, served by uvicorn, protected by the ASGI
middleware in the documented three lines, and the client of ``/v1/authorize``."""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from authz_helpers import EXAMPLES, WIDGETS, AuthzServer, signed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from sts_helpers import Account, allow, document

from rolegate.authz_client.client import AuthzClient, AuthzError
from rolegate.authz_client.middleware import RolegateAuthz

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, free_port


async def widget(request: Request) -> JSONResponse:
    body = await request.body()
    principal = request.state.rolegate_principal
    return JSONResponse(
        {"id": request.path_params["id"], "arn": principal["arn"], "body": body.decode()}
    )


def widgets_app(authz_url: str, routes: Path) -> Starlette:
    # the user's code: an app, and the middleware in one line
    app = Starlette(routes=[Route("/widgets/{id}", widget, methods=["GET", "PUT", "DELETE"])])
    app.add_middleware(RolegateAuthz, authz_url=authz_url, routes=routes)
    return app


@pytest.fixture(scope="module")
def app_url(authz: AuthzServer) -> Iterator[str]:
    port = free_port()
    app = widgets_app(authz.url, EXAMPLES / "nginx" / "routes.txt")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def call(url: str, method: str = "GET", body: bytes = b"", **sign: Any) -> tuple[int, bytes]:
    headers: dict[str, str] = {}
    if sign:
        headers = dict(signed(url=url, method=method, body=body, **sign).headers.items())
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def test_the_middleware_protects_a_starlette_app(authz: AuthzServer, app_url: str) -> None:
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    user = home.user(document(allow(["widgets:GetWidget", "widgets:PutWidget"], f"{WIDGETS}/42")))
    keys: dict[str, Any] = {"key_id": user.key_id, "secret": user.secret}
    status, body = call(f"{app_url}/widgets/42", **keys)
    assert status == 200 and b'"arn":"' + user.arn.encode() in body
    status, body = call(f"{app_url}/widgets/42", "PUT", b"red", **keys)  # body hashed and replayed
    assert status == 200 and b'"body":"red"' in body
    assert call(f"{app_url}/widgets/43", **keys)[0] == 403
    assert call(f"{app_url}/widgets/42", "DELETE", **keys)[0] == 403
    status, body = call(f"{app_url}/widgets/42", key_id=user.key_id, secret="wrong")
    assert status == 401 and b"SignatureDoesNotMatch" in body
    assert call(f"{app_url}/widgets/42")[0] == 401
    assert call(f"{app_url}/gizmos/1", **keys)[0] == 403
    assert call(f"{app_url}/widgets/%24%7Baccount%7D", **keys)[0] == 403


def test_the_client(authz: AuthzServer) -> None:
    client = AuthzClient(authz.url)
    url = "https://widgets.internal/widgets/42"
    request = signed(ROOT_KEY_ID, ROOT_SECRET, url, method="PUT", body=b"red")
    headers = dict(request.headers.items())
    decision = client.authorize(
        method="PUT",
        url=url,
        headers=headers,
        body=b"red",
        action="widgets:PutWidget",
        resource=f"{WIDGETS}/42",
    )
    assert decision.allowed and decision.principal is not None
    assert decision.principal["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    wrong = client.authorize(
        method="PUT",
        url=url,
        headers=headers,
        body_sha256=hashlib.sha256(b"blue").hexdigest(),
        action="widgets:PutWidget",
        resource=f"{WIDGETS}/42",
    )
    assert not wrong.authenticated and wrong.error is not None
    assert wrong.error["code"] == "SignatureDoesNotMatch"
    with pytest.raises(AuthzError) as raised:
        client.authorize(method="PUT", url=url, headers=headers, action="nonsense", resource="*")
    assert raised.value.status == 400 and raised.value.code == "ValidationException"
    client.close()
    with pytest.raises(AuthzError):
        AuthzClient(f"http://127.0.0.1:{free_port()}").authorize(
            method="GET", url=url, headers={}, action="widgets:GetWidget"
        )
