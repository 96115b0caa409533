"""Starting an agent: the first credentials before anything listens (the launcher's right to
pass the role is checked there, and refused launches stop here), then the HTTP server and the
refresher side by side on one event loop until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn

from rolegate.agent.client import RolegateError, RolegateUnavailable, StsClient
from rolegate.agent.refresher import Refresher

log = logging.getLogger("rolegate.agent")
T = TypeVar("T")
STARTUP_RETRY_MAX_SECONDS = 30.0


class LaunchRefused(Exception):
    """rolegate refused the workload its role (AccessDenied, NoSuchEntity, ...)."""


def split_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not host:
        raise ValueError(f"--listen wants HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def until_reachable(what: str, call: Callable[[], T]) -> T:
    """``call()``, retried with backoff while rolegate is unreachable; refusals raise."""
    delay = 1.0
    while True:
        try:
            return call()
        except RolegateUnavailable as error:
            log.error("%s: rolegate is unreachable (%s); retrying in %.0f s", what, error, delay)
        except RolegateError as error:
            raise LaunchRefused(f"{what}: {error}") from None
        time.sleep(delay)
        delay = min(delay * 2, STARTUP_RETRY_MAX_SECONDS)


def caller_account(client: StsClient) -> str:
    identity = until_reachable("GetCallerIdentity", lambda: client.call("GetCallerIdentity", {}))
    return str(identity["Account"])


def serve(app: Any, refresher: Refresher, listen: str) -> None:
    """The first fetch (refusal: LaunchRefused), then serve until stopped."""
    host, port = split_listen(listen)

    async def main() -> None:
        try:
            await refresher.fetch_once()
        except RolegateError as error:
            raise LaunchRefused(str(error)) from None
        except RolegateUnavailable as error:
            refresher.failed(error)  # served as unavailable; the refresher keeps trying
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            lifespan="on",
        )
        server = uvicorn.Server(config)
        renewing = asyncio.create_task(refresher.run())
        try:
            log.info("serving on %s:%d", host, port)
            await server.serve()
        finally:
            renewing.cancel()

    asyncio.run(main())
