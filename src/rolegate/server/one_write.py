"""uvicorn's httptools protocol, writing each response with one socket write instead of two.

Buys a ``send`` system call per response and, on a keep-alive connection, the client's wake-up
on a head that arrives without its body: uvicorn writes the status line and headers when the app
sends ``http.response.start``, and the body on ``http.response.body``. py-spy put 15-30% of a
GetCallerIdentity's server time in those two writes (figures: docs/benchmarks.md,
``bench/server.py``).

The connection's transport is wrapped: the first write of each response (its head) is held, and
goes out joined to the next write (the body), or alone when the response ends without one (a
HEAD, an empty body), or before the connection closes. A ``100 Continue`` interim answer is
written at once: the client waits for it before it sends the body.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_INTERIM = b"HTTP/1.1 100 "


class OneWriteTransport:
    """A transport that holds a response's head until its body is written."""

    __slots__ = ("_expect_head", "_head", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self._expect_head = True

    def write(self, data: bytes) -> None:  # uvicorn writes bytes
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head + data)
        elif self._expect_head and not data.startswith(_INTERIM):
            self._expect_head = False
            self._head = data
        else:
            self._transport.write(data)

    def response_complete(self) -> None:
        """The response has been written in full: send what is held; the next write is a head."""
        self.flush()
        self._expect_head = True

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's
        return getattr(self._transport, name)


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """``uvicorn.Config(http=...)``: httptools, each response in one write."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWriteTransport(transport))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        transport = self.transport
        if isinstance(transport, OneWriteTransport):
            transport.response_complete()
        super().on_response_complete()
