"""An ASGI middleware that lets rolegate's authorization service decide every request of a
Starlette or FastAPI app (docs/authorization-service.md, "Python")::

    from rolegate.authz_client.middleware import RolegateAuthz
    app = Starlette(routes=...)
    app.add_middleware(RolegateAuthz, authz_url="http://127.0.0.1:4567", routes="routes.txt")

Each request takes a route of the table (no route: 403), its body is read (at most
``max_body`` bytes: 413) and its hash sent with the method, URL and headers; 401 when the
signature does not check out, 403 when the policies deny, 503 when the service does not answer.
An allowed request reaches the app with its body and with the principal in
``scope["state"]["rolegate_principal"]`` (``request.state.rolegate_principal`` in Starlette).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from rolegate.authz_client.client import AuthzClient, AuthzError
from rolegate.authz_client.routes import RouteTable

__all__ = ["RolegateAuthz"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 8 * 1024 * 1024


class RolegateAuthz:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authz_url: str,
        routes: str | Path | RouteTable,
        max_body: int = MAX_BODY,
        client: AuthzClient | None = None,
    ) -> None:
        self.app = app
        self.routes = routes if isinstance(routes, RouteTable) else RouteTable.load(routes)
        self.client = client or AuthzClient(authz_url)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_on_shutdown(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?")[0]
        match = self.routes.match(method, path)
        # a value that looks like a template variable would be filled by the service
        if match is None or any("${" in value for value in match.params.values()):
            await _deny(send, 403, "AccessDenied", f"No route for {method} {path}.")
            return
        body, complete = await _read_body(receive, self.max_body)
        if not complete:
            await _deny(send, 413, "RequestEntityTooLarge", "The request body is too large.")
            return
        headers: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        host = (headers.get("host") or [""])[0]
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
        client = scope.get("client")
        try:
            decision = await self.client.authorize_async(
                method=method,
                url=url,
                headers={k: v[0] if len(v) == 1 else v for k, v in headers.items()},
                body_sha256=hashlib.sha256(body).hexdigest(),
                action=match.action,
                resource_template=match.resource("${region}", "${account}"),
                source_ip=client[0] if client else None,
            )
        except AuthzError as error:
            await _deny(send, 503, "ServiceUnavailable", str(error))
            return
        if not decision.authenticated:
            error_body = decision.error or {"code": "AccessDenied", "message": "Access denied."}
            await _deny(send, 401, error_body["code"], error_body["message"])
            return
        if not decision.allowed:
            await _deny(send, 403, "AccessDenied", decision.message or "Access denied.")
            return
        scope.setdefault("state", {})["rolegate_principal"] = decision.principal
        await self.app(scope, _replay(body, receive), send)

    def _closing_on_shutdown(self, receive: Receive) -> Receive:
        """Close the client's connections when the server shuts the app down."""

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.client.aclose()
            return message

        return receiving


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then whatever the server sends (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _deny(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
