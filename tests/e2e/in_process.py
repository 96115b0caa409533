"""A rolegate node in the test process: the real ASGI app over a real database, no socket.

``InProcessNode`` builds what ``rolegate serve`` builds (``build_runtime`` from the same
settings, ``RolegateApp`` around it) and runs the app on an event loop of its own thread. Its
boto3 clients sign as usual (botocore's SigV4); a ``before-send`` hook hands each signed request
to the app as an ASGI ``http`` call, the way uvicorn would, and the app's answer back to
botocore, which parses the XML. Nothing is mocked: only the socket and uvicorn are left out, so
the service code runs where coverage sees it, and a request costs no round trip through the
kernel. What needs the socket or a process (the CLI, ``--workers``, start-up, TLS, signals,
proxies, uvicorn's own limits) runs against ``harness.Server``.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from rolegate.server.app import RolegateApp, build_runtime
from rolegate.server.audit_trail import AuditTrail
from rolegate.server.settings import Settings

from harness import REGION, ROOT_KEY_ID, ROOT_SECRET, run_admin, server_environment

# The address the clients name: a loopback host as a local server's, on a port where nothing
# listens (a request that escaped the hook would fail, never reach another server).
ENDPOINT = "http://127.0.0.1:9"
CLIENT_ADDRESS = ("127.0.0.1", 50000)  # the peer the app sees, as uvicorn reports a socket's


class InProcessNode:
    """One node: ``client()`` gives boto3 clients it answers, ``request()`` raw HTTP exchanges,
    ``admin()`` runs ``rolegate`` commands on its database; ``stop()`` shuts it down as the
    ASGI lifespan would."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None,
        auth: str = "strict",
        env: Mapping[str, str] | None = None,
        **flags: object,
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.auth = auth
        self.extra_env = dict(env or {})
        data_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings.from_sources(
            # The audit writer on a thread of this process, so ``flush_audit`` can store it.
            {
                "data_dir": data_dir,
                "database_url": database_url,
                "auth": auth,
                "audit_writer": "thread",
                **flags,
            },
            {**server_environment(), **self.extra_env},
        )
        self.settings = settings
        self.app = RolegateApp(build_runtime(settings))
        audit = self.app.runtime.audit
        assert audit is not None
        self.audit: AuditTrail = audit
        self.audit.start()  # what the lifespan's startup starts
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="in-process-node", daemon=True
        )
        self._thread.start()

    # --- the same surface as harness.Server ----------------------------------------------------
    def start(self) -> InProcessNode:
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        # as the lifespan's shutdown, on the node's loop
        asyncio.run_coroutine_threadsafe(self.app.shutdown(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def client(
        self,
        service: str,
        key_id: str = ROOT_KEY_ID,
        secret: str = ROOT_SECRET,
        region_name: str = REGION,
        **kw: Any,
    ) -> Any:
        config = kw.pop("config", None)
        base = Config(retries={"max_attempts": 1}, parameter_validation=False)
        client = boto3.client(
            service,
            endpoint_url=ENDPOINT,
            region_name=region_name,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            # No client-side validation: the server's own answers are what the tests check.
            config=base.merge(config) if config is not None else base,
            **kw,
        )
        client.meta.events.register("before-send", self._answer)
        return client

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a ``rolegate`` admin command on this node's database."""
        return run_admin(self.data_dir, self.database_url, args, self.extra_env)

    def flush_audit(self) -> None:
        """Store what the audit trail's outbox holds now (it does so every second anyway)."""
        assert self.audit.outbox.flush()

    # --- HTTP without a socket -----------------------------------------------------------------
    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        scheme: str = "http",
    ) -> tuple[int, dict[str, str], bytes]:
        """One exchange with the app: the status, the headers (lower-case names) and the body.
        ``target`` is the path with its query string; header names are lower-cased, as
        uvicorn hands them to the app."""
        path, _, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": method,
            "scheme": scheme,
            "path": path,
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in headers or ()
            ],
            "client": CLIENT_ADDRESS,
            "server": ("127.0.0.1", 9),
        }
        future = asyncio.run_coroutine_threadsafe(_exchange(self.app, scope, body), self._loop)
        return future.result()

    def _answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = body.read()
        headers = [
            (name, value.decode() if isinstance(value, bytes) else value)
            for name, value in request.headers.items()
        ]
        headers.append(("host", url.netloc))  # signed by botocore, sent by its HTTP layer
        if body and not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("content-length", str(len(body))))
        target = url.path or "/"
        if url.query:
            target += f"?{url.query}"
        status, response_headers, response_body = self.request(
            request.method, target, headers, body
        )
        return AWSResponse(request.url, status, response_headers, _Raw(response_body))


async def _exchange(
    app: RolegateApp, scope: dict[str, Any], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    incoming: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0
    headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", []):
                headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status, headers, b"".join(chunks)


class _Raw:
    """The body as botocore's response object streams it."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body
