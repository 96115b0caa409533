"""A node's request pipeline in this process, answering a boto3 client without HTTP.

The client signs as usual; a ``before-send`` hook hands the signed request to
``Pipeline.handle`` and the answer back to botocore. What is measured is the CPU time of
``handle`` alone (``time.process_time``: this process runs nothing else meanwhile), so the
figures hold on a machine that other work keeps busy, where wall-clock latencies swing by 2-3x.
The process is set up as ``rolegate serve`` sets up its own (``gc_tuning`` after startup, the
audit trail's outbox writer started): ``process_time`` counts the writer thread's work too, so
each request's figure includes its share of building and storing the audit events.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from rolegate.auth.sigv4 import HttpRequest
from rolegate.server.app import build_runtime
from rolegate.server.gc_tuning import tune_for_serving
from rolegate.server.settings import Settings


class InProcessNode:
    """``build_runtime`` for ``url``; ``client()`` gives boto3 clients it answers; each
    answered request's CPU milliseconds are appended to ``cpu_ms``."""

    def __init__(self, url: str, data_dir: Path, account_id: str, key_id: str, secret: str):
        settings = Settings(
            audit_writer="thread",  # its work counted in this process (server.audit_process)
            data_dir=data_dir,
            database_url=url,
            default_account_id=account_id,
            root_access_key_id=key_id,
            root_secret_access_key=secret,
        )
        self._runtime = build_runtime(settings)
        self._key = (key_id, secret)
        self.cpu_ms: list[float] = []
        tune_for_serving()
        if self._runtime.audit is not None:  # as the server's lifespan startup does
            self._runtime.audit.start()

    def client(self, service: str, key: tuple[str, str] | None = None) -> Any:
        """A client signed with the root key, or with ``key`` (access key id, secret)."""
        key_id, secret = key or self._key
        client = boto3.client(
            service,
            endpoint_url="http://rolegate.invalid",
            region_name=self._runtime.settings.region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1}, parameter_validation=False),
        )
        client.meta.events.register("before-send", self._answer)
        return client

    def close(self) -> None:
        if self._runtime.audit is not None:  # stores what the outbox holds, as at shutdown
            self._runtime.audit.close()
        self._runtime.store.close()

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        headers = tuple(
            (name, value.decode() if isinstance(value, bytes) else value)
            for name, value in request.headers.items()
        )
        headers += (("host", url.netloc),)  # signed by botocore, added by its HTTP layer
        lowered = {name.lower(): value for name, value in headers}
        http_request = HttpRequest(
            method=request.method,
            path=url.path or "/",
            query_string=url.query,
            headers=headers,
            body=body,
        )
        started = time.process_time()
        response = self._runtime.pipeline.handle(
            http_request, lowered.get("content-type"), lowered.get("content-encoding")
        )
        self.cpu_ms.append((time.process_time() - started) * 1000)
        return AWSResponse(request.url, response.status, {}, _Raw(response.body))


class _Raw:
    """The body as botocore's response object streams it."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body
