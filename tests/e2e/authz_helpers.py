"""The authorization service in end-to-end tests: a server with ``--authz-listen``, requests
signed by botocore for a custom service, and questions to ``/v1/authorize``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import ACCOUNT_ID, Server, free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The route table every authorization test server loads: the example's (the nginx example and
# the Envoy and middleware tests use it as it ships).
ROUTES = (EXAMPLES / "nginx" / "routes.txt").read_text()
WIDGETS = f"arn:aws:widgets:us-east-1:{ACCOUNT_ID}:widget"


@dataclass
class AuthzServer:
    """A rolegate server with the authorization listener on ``authz_port``."""

    server: Server
    authz_port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.authz_port}"

    def ask(self, question: Any, path: str = "/v1/authorize") -> tuple[int, dict[str, Any]]:
        body = question if isinstance(question, bytes) else json.dumps(question).encode()
        return post(self.url + path, body)


def authz_server(data_dir: Path, url: str | None) -> AuthzServer:
    """Start (not yet started) a server with the listener and the test route table."""
    data_dir.mkdir(parents=True, exist_ok=True)
    routes = data_dir / "routes.txt"
    routes.write_text(ROUTES)
    port = free_port()
    server = Server(
        data_dir, url, args=("--authz-listen", f"127.0.0.1:{port}", "--authz-routes", str(routes))
    )
    return AuthzServer(server, port)


def post(url: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def signed(
    key_id: str,
    secret: str,
    url: str,
    *,
    method: str = "GET",
    service: str = "widgets",
    region: str = "us-east-1",
    token: str | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    presign: bool = False,
) -> AWSRequest:
    """A request signed by botocore's own signer for ``service``."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    credentials = Credentials(key_id, secret, token)
    if presign:
        SigV4QueryAuth(credentials, service, region, expires=300).add_auth(request)
    else:
        SigV4Auth(credentials, service, region).add_auth(request)
    return request


def question(
    request: AWSRequest,
    action: str = "widgets:GetWidget",
    resource: str = f"{WIDGETS}/42",
    **extra: Any,
) -> dict[str, Any]:
    """The ``/v1/authorize`` question about ``request``."""
    described: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "headers": dict(request.headers.items()),
    }
    described.update(extra.pop("request_extra", {}))
    return {
        "request": described,
        "service": action.split(":", 1)[0],
        "action": action,
        "resource": resource,
        **extra,
    }
