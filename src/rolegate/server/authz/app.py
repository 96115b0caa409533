"""The authorization listener (``--authz-listen``): a second ASGI app on the same runtime (store,
authenticator, compiled policies, worker threads) as the IAM/STS endpoint.

Routes:

* ``POST /v1/authorize``: the JSON question and answer (``server.authz.contract``);
* ``/v1/nginx`` (any method): nginx ``auth_request``; ``/v1/envoy/...``: Envoy ``ext_authz``
  (``server.authz.proxies``), both answered 200 / 401 / 403 with the principal in headers;
* ``GET /healthz``.

It trusts its network position, as a sidecar does: whoever reaches it learns whether a signature
is valid and what a principal may do, so it listens on loopback unless the operator says
otherwise (``rolegate serve`` warns loudly).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from rolegate.authz_client.routes import RouteTable
from rolegate.server.asgi import HTTPScope, Receive, Scope, Send, read_body
from rolegate.server.authz.contract import MAX_QUESTION_BYTES, BadQuestion, read_question
from rolegate.server.authz.decider import Answer, Decider
from rolegate.server.authz.proxies import ENVOY_PREFIX, NoRoute, envoy_question, nginx_question
from rolegate.server.inline import MAX_INLINE_BODY, answer_on_loop
from rolegate.server.workers import WorkerThreads
from rolegate.store import StoreUnavailable

log = logging.getLogger("rolegate.authz")

JSON = "application/json"
# The principal, for nginx's auth_request_set and Envoy's allowed_upstream_headers.
PRINCIPAL_HEADERS = (
    ("x-rolegate-principal-arn", "arn"),
    ("x-rolegate-account", "account"),
    ("x-rolegate-user-id", "user_id"),
    ("x-rolegate-principal-type", "type"),
    ("x-rolegate-session-name", "session_name"),
    ("x-rolegate-source-identity", "source_identity"),
)
Headers = list[tuple[bytes, bytes]]


class AuthzApp:
    def __init__(
        self, decider: Decider, workers: WorkerThreads, routes: RouteTable | None = None
    ) -> None:
        self.decider = decider
        self.workers = workers
        self.routes = routes or RouteTable(())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        method = scope["method"]
        if path == "/healthz":
            await _send(send, 200, b"ok\n", "text/plain")
        elif path == "/v1/authorize":
            await self._authorize(scope, receive, send)
        elif path == "/v1/nginx" or path == ENVOY_PREFIX or path.startswith(ENVOY_PREFIX + "/"):
            await self._proxy_check(scope, receive, send)
        else:
            message = f"No such endpoint: {method} {path}"
            await _send_error(send, 404, "NotFound", message)

    async def _authorize(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await _send_error(send, 405, "MethodNotAllowed", "Use POST for /v1/authorize.")
            return
        body, size = await read_body(receive, MAX_QUESTION_BYTES)
        if size > MAX_QUESTION_BYTES:
            message = f"The question is {size} bytes, more than {MAX_QUESTION_BYTES}."
            await _send_error(send, 413, "RequestEntityTooLarge", message)
            return

        def decide(cache_only: bool = False, serial: int | None = None) -> Answer:
            return self.decider.decide(read_question(body), cache_only=cache_only, serial=serial)

        # read on the worker thread too: a large question must not hold the event loop
        answer = await self._decide(send, decide, inline=len(body) <= MAX_INLINE_BODY)
        if answer is not None:
            await _send(send, 200, answer.json(), JSON)

    async def _proxy_check(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        await read_body(receive, 0)  # neither proxy sends the body by default: drop it
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        path = path.split("?", 1)[0]
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            if path == "/v1/nginx":
                question = nginx_question(headers, scope["method"], self.routes)
            else:
                question = envoy_question(scope["method"], path, query, headers, self.routes)
        except BadQuestion as error:
            await _send_error(send, 400, error.code, error.message)
            return
        except NoRoute as error:
            await _send_error(send, 403, "AccessDenied", error.message)
            return

        def decide(cache_only: bool = False, serial: int | None = None) -> Answer:
            return self.decider.decide(question, cache_only=cache_only, serial=serial)

        answer = await self._decide(send, decide, inline=True)
        if answer is None:
            return
        status = 200 if answer.allowed else 403 if answer.authenticated else 401
        extra: Headers = []
        if answer.allowed and answer.principal is not None:
            extra = _principal_headers(answer.principal)
        await _send(send, status, answer.json(), JSON, extra)

    async def _decide(
        self, send: Send, decide: Callable[..., Answer], *, inline: bool
    ) -> Answer | None:
        """The decision, on the loop while the read cache answers (``server.inline``), else on
        a worker thread; an error answered here returns None."""
        try:
            if inline and self.decider.answers_inline:
                answered: Answer | None = await answer_on_loop(
                    self.decider.store,
                    self.decider.metrics,
                    lambda serial: decide(cache_only=True, serial=serial),
                )
                if answered is not None:
                    return answered
            answer: Answer = await self.workers.run(decide)
        except BadQuestion as error:
            await _send_error(send, 400, error.code, error.message)
        except StoreUnavailable:
            log.exception("authorization: the database is unavailable")
            await _send_error(send, 503, "ServiceUnavailable", "The database is unavailable.")
        except Exception:
            log.exception("authorization failed")
            await _send_error(send, 500, "InternalFailure", "An internal error occurred.")
        else:
            return answer
        return None


def _principal_headers(principal: dict[str, Any]) -> Headers:
    headers: Headers = []
    for header, key in PRINCIPAL_HEADERS:
        value = principal.get(key)
        if isinstance(value, str) and value.isascii() and value.isprintable():
            headers.append((header.encode(), value.encode()))
    return headers


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = {
        "authenticated": False,
        "decision": "ImplicitDeny",
        "error": {"code": code, "message": message},
    }
    await _send(send, status, json.dumps(body).encode(), JSON)


async def _send(
    send: Send, status: int, body: bytes, content_type: str, extra: Headers | None = None
) -> None:
    headers: Headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or ()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
