"""The ASGI 3 interface as far as this server uses it, typed.

Scopes and messages of the HTTP and lifespan protocols, after the specification
(https://asgi.readthedocs.io/en/latest/specs/www.html,
https://asgi.readthedocs.io/en/latest/specs/lifespan.html). Written here because the app needs
a dozen keys of it and ``asgiref.typing`` would be a dependency for types alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, NotRequired, TypedDict


class HTTPScope(TypedDict):
    type: Literal["http"]
    method: str
    scheme: NotRequired[str]  # default "http"
    path: str
    raw_path: NotRequired[bytes | None]
    query_string: NotRequired[bytes]
    headers: Iterable[tuple[bytes, bytes]]
    client: NotRequired[tuple[str, int] | None]
    server: NotRequired[tuple[str, int | None] | None]  # the local address the request came to


class LifespanScope(TypedDict):
    type: Literal["lifespan"]


class WebSocketScope(TypedDict):
    """Not served: the app answers nothing on a WebSocket."""

    type: Literal["websocket"]


Scope = HTTPScope | LifespanScope | WebSocketScope


class HTTPRequestEvent(TypedDict):
    type: Literal["http.request"]
    body: NotRequired[bytes]
    more_body: NotRequired[bool]


class HTTPDisconnectEvent(TypedDict):
    type: Literal["http.disconnect"]


class LifespanStartupEvent(TypedDict):
    type: Literal["lifespan.startup"]


class LifespanShutdownEvent(TypedDict):
    type: Literal["lifespan.shutdown"]


ReceiveEvent = HTTPRequestEvent | HTTPDisconnectEvent | LifespanStartupEvent | LifespanShutdownEvent


class HTTPResponseStartEvent(TypedDict):
    type: Literal["http.response.start"]
    status: int
    headers: Iterable[tuple[bytes, bytes]]


class HTTPResponseBodyEvent(TypedDict):
    type: Literal["http.response.body"]
    body: bytes


class LifespanStartupCompleteEvent(TypedDict):
    type: Literal["lifespan.startup.complete"]


class LifespanShutdownCompleteEvent(TypedDict):
    type: Literal["lifespan.shutdown.complete"]


SendEvent = (
    HTTPResponseStartEvent
    | HTTPResponseBodyEvent
    | LifespanStartupCompleteEvent
    | LifespanShutdownCompleteEvent
)
Receive = Callable[[], Awaitable[ReceiveEvent]]
Send = Callable[[SendEvent], Awaitable[None]]


async def read_body(receive: Receive, limit: int) -> tuple[bytes, int]:
    """The request body and its size; past ``limit`` bytes the rest is counted, not kept (a
    client that disconnects ends it)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), size
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), size
