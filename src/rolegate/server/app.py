"""The ASGI application and its factory: the only place that builds settings, store, key ring,
clock and randomness.

Routes: ``GET /healthz`` (the process answers), ``GET /readyz`` (the database answers and its
schema is current: ``server.health``), ``GET /metrics`` (Prometheus; ``server.metrics``), the
accounts' OpenID Connect discovery documents
(``server.issuer_documents``), ``POST /_rolegate/reset`` with the header
``X-Rolegate-Reset: 1`` (permissive mode only; a custom header is what a web page cannot send to
another site without the browser asking first), and every other path is the AWS Query endpoint
for IAM and STS (POST form body or GET query string). Browser requests from other sites are
refused on both (``server.edge``).
Requests run on a few worker threads (``--threads``, default 2; ``server.workers``): a request
that reads the database is CPU-bound Python for milliseconds, and on the loop it would hold the
GIL while the writers, which release it around every SQLite call and fsync, wait for it back.
A request whose reads all come from the read cache is answered on the loop (``server.inline``).
Operations that may wait on another server's answer (an OIDC issuer) run on threads of their
own. Figures for both choices: docs/benchmarks.md, ``bench/api.py``.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from dataclasses import dataclass

from rolegate.auth.keyring import KeyRing
from rolegate.auth.session_token import SessionTokenCodec
from rolegate.auth.sigv4 import HttpRequest, may_carry_signature
from rolegate.authz_client.routes import RouteTable
from rolegate.console import ConsoleApp
from rolegate.domain.errors import AccessDenied
from rolegate.federation.oidc_http import fetch_json, tls_context
from rolegate.federation.oidc_keys import OidcKeyCache
from rolegate.federation.oidc_verify import WebIdentityVerifier
from rolegate.policy.compile import PolicyCompiler
from rolegate.server import issuer_documents
from rolegate.server.asgi import HTTPScope, Receive, Scope, Send, read_body
from rolegate.server.audit_process import ProcessWriter
from rolegate.server.audit_trail import AuditTrail, ThreadWriter, Writer
from rolegate.server.authn import Authenticator
from rolegate.server.authz.app import AuthzApp
from rolegate.server.authz.decider import Decider
from rolegate.server.bootstrap import BootstrapResult, ensure_default_account
from rolegate.server.cloudtrail import CloudTrailEndpoint, is_cloudtrail
from rolegate.server.console_backend import ServerBackend
from rolegate.server.edge import BrowserGuard, is_loopback
from rolegate.server.gc_tuning import tune_for_serving
from rolegate.server.health import readiness
from rolegate.server.inline import MAX_INLINE_BODY, answer_on_loop
from rolegate.server.issuer_documents import DocumentAnswer, DocumentRequest, document_request
from rolegate.server.log_format import configure_logging
from rolegate.server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from rolegate.server.metrics import Metrics
from rolegate.server.operations import operation_table
from rolegate.server.pipeline import Pipeline, Response, may_wait_on_network
from rolegate.server.settings import Settings
from rolegate.server.storage import open_key_ring, open_store, utc_now
from rolegate.server.workers import WorkerThreads
from rolegate.services.authz import AuthorizationMessages
from rolegate.services.cloudtrail import LookupEvents
from rolegate.services.iam import IssuerBase
from rolegate.store import Store, StoreUnavailable
from rolegate.wire import load_service
from rolegate.wire.form import MAX_REQUEST_BYTES, MAX_UNSIGNED_REQUEST_BYTES, request_too_large

log = logging.getLogger("rolegate.server")

# Threads for the operations that may wait on the network: each waits, it does not compute.
NETWORK_THREADS = 4
RESET_HEADER = "x-rolegate-reset"


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: Store
    pipeline: Pipeline
    bootstrap: BootstrapResult
    ring: KeyRing
    metrics: Metrics
    # The audit trail (its outbox runs from the lifespan's startup) and CloudTrail's endpoint.
    audit: AuditTrail | None = None
    cloudtrail: CloudTrailEndpoint | None = None


def web_identity_verifier(
    settings: Settings, metrics: Metrics | None = None
) -> WebIdentityVerifier:
    """One per node: its JWKS cache trusts the system roots or ``--oidc-ca-bundle``."""
    cache = OidcKeyCache(
        tls_context(settings.oidc_ca_bundle),
        refresh_floor=settings.oidc_refresh_floor,
        fetch=metrics.counted_fetch(fetch_json) if metrics is not None else fetch_json,
    )
    return WebIdentityVerifier(cache)


def build_runtime(settings: Settings) -> Runtime:
    rng = secrets.SystemRandom()
    ring = open_key_ring(settings)
    store = open_store(settings, ring)
    metrics = Metrics(enabled=settings.metrics)
    metrics.watch_engine(store.engine)
    bootstrap = ensure_default_account(store, settings, rng=rng, now=utc_now())
    pipeline = Pipeline(
        store=store,
        authenticator=Authenticator(
            settings.auth == "permissive",
            bootstrap.account_id,
            session_tokens=SessionTokenCodec(ring),
        ),
        operations=operation_table(
            saml_audiences=settings.saml_audiences,
            web_identity=web_identity_verifier(settings, metrics),
            issuer_base=IssuerBase(settings.issuer_base_url),
        ),
        clock=utc_now,
        rng=rng,
        region=settings.region,
        compiler=PolicyCompiler(),  # one per node: compiled policies by content hash
        authorization_messages=AuthorizationMessages(ring),
        metrics=metrics if settings.metrics else None,
        inline_reads=settings.inline_reads,
    )
    for name in ("iam", "sts"):  # load and plan the wire models before the first request
        load_service(name)
    pipeline.audit = AuditTrail.open(
        store,
        clock=utc_now,
        region=settings.region,
        retention_days=settings.audit_retention_days,
        stream_to=settings.audit_log,
        session_tokens=pipeline.authenticator.session_tokens,
    )
    writer: Writer = pipeline.audit.writer
    if settings.audit_writer == "process" and isinstance(writer, ThreadWriter):
        writer = pipeline.audit.writer = ProcessWriter(settings, fallback=writer)
    metrics.set_backlog_source(lambda: writer.backlog)  # rolegate_audit_backlog
    cloudtrail = CloudTrailEndpoint(pipeline, LookupEvents(ring))
    return Runtime(settings, store, pipeline, bootstrap, ring, metrics, pipeline.audit, cloudtrail)


class RolegateApp:
    """A small ASGI app; no framework needed for four routes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.workers = WorkerThreads(runtime.settings.threads, "rolegate")
        self.network_workers = WorkerThreads(NETWORK_THREADS, "rolegate_network")
        settings = runtime.settings
        self.issuer_base = IssuerBase(settings.issuer_base_url)
        self.browser_guard = BrowserGuard(
            settings.allowed_origins,
            loopback_hosts_only=settings.auth == "permissive" and is_loopback(settings.host),
        )
        self.console: ConsoleApp | None = None
        if settings.console:
            backend = ServerBackend(runtime.pipeline, settings.region, runtime.cloudtrail)
            self.console = ConsoleApp(backend, runtime.ring, self.workers.run)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/healthz":
            await _send(send, 200, b"ok\n", "text/plain", None)
            return
        if path == "/readyz":
            status, body = await readiness(self.runtime.store)
            await _send(send, status, body, "application/json", None)
            return
        if path == "/metrics" and self.runtime.settings.metrics:
            exposition = await self.workers.run(self.runtime.metrics.exposition)
            await _send(send, 200, exposition, METRICS_CONTENT_TYPE, None)
            return
        document = document_request(path)
        if document is not None:
            await self._issuer_document(scope, document, send)
            return
        if self.console is not None and (path == "/console" or path.startswith("/console/")):
            await self.console(scope, receive, send)  # its own checks of browser requests
            return
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        lowered = {k.lower(): v for k, v in headers}
        refusal = self.browser_guard.refusal(lowered)
        if path == "/_rolegate/reset" and self.runtime.settings.auth == "permissive":
            if scope["method"] != "POST":
                await _send(send, 405, b"use POST\n", "text/plain", None)
            elif refusal is not None:
                await _send(send, 403, f"{refusal}\n".encode(), "text/plain", None)
            elif lowered.get(RESET_HEADER, "").strip() != "1":
                message = b"reset needs the header X-Rolegate-Reset: 1\n"
                await _send(send, 403, message, "text/plain", None)
            else:
                await self.workers.run(self._reset)
                await _send(send, 200, b"reset\n", "text/plain", None)
            return
        if refusal is not None:
            response = self.runtime.pipeline.reject(AccessDenied(refusal))
        else:
            response = await self._api(scope, receive, headers, lowered)
        await _send(
            send, response.status, response.body, response.content_type, response.request_id
        )

    async def _api(
        self,
        scope: HTTPScope,
        receive: Receive,
        headers: tuple[tuple[str, str], ...],
        lowered: dict[str, str],
    ) -> Response:
        query_string = scope.get("query_string", b"").decode("latin-1")
        limit = MAX_UNSIGNED_REQUEST_BYTES
        if may_carry_signature(headers, query_string):
            limit = MAX_REQUEST_BYTES
        body, size = await read_body(receive, limit)
        pipeline = self.runtime.pipeline
        raw_path = scope.get("raw_path") or scope["path"].encode()
        request = HttpRequest(
            method=scope["method"],
            path=raw_path.decode("latin-1").split("?", 1)[0],
            query_string=query_string,
            headers=headers,
            body=body,
        )
        if size > limit:
            return pipeline.reject(request_too_large(size, limit))
        client = scope.get("client")
        if self.runtime.cloudtrail is not None and is_cloudtrail(lowered):
            cloudtrail: Response = await self.workers.run(
                functools.partial(
                    self.runtime.cloudtrail.handle,
                    source_ip=client[0] if client else None,
                    secure_transport=scope.get("scheme") == "https",
                ),
                request,
            )
            return cloudtrail
        handle = functools.partial(
            pipeline.handle,
            request,
            lowered.get("content-type"),
            # every coding of every Content-Encoding line, as HTTP reads repeated headers
            ", ".join(v for k, v in headers if k.lower() == "content-encoding") or None,
            source_ip=client[0] if client else None,
            secure_transport=scope.get("scheme") == "https",
        )
        if may_wait_on_network(body, request.query_string):
            answer: Response = await self.network_workers.run(handle)
            return answer
        if pipeline.answers_inline and len(body) <= MAX_INLINE_BODY:
            answered: Response | None = await answer_on_loop(  # while the read cache answers
                pipeline.store,
                self.runtime.metrics,
                lambda serial: handle(cache_only=True, serial=serial),
            )
            if answered is not None:
                return answered
        answer = await self.workers.run(handle)
        return answer

    async def _issuer_document(
        self, scope: HTTPScope, document: DocumentRequest, send: Send
    ) -> None:
        """An account's OIDC discovery document or JWKS (``server.issuer_documents``)."""
        runtime = self.runtime
        try:
            found: DocumentAnswer = await self.workers.run(
                issuer_documents.answer,
                runtime.store,
                self.issuer_base,
                document,
                scope["method"],
                utc_now(),
            )
        except StoreUnavailable:
            found = DocumentAnswer(503, b'{"error":"unavailable"}')
        await _send(send, found.status, found.body, "application/json", None, found.headers)

    def _reset(self) -> None:
        """Wipe everything, then start afresh as on first start (permissive mode only)."""
        runtime = self.runtime
        runtime.store.reset()
        ensure_default_account(
            runtime.store, runtime.settings, rng=secrets.SystemRandom(), now=utc_now()
        )
        log.warning("state reset through /_rolegate/reset")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                tune_for_serving()  # all loaded: freeze it, collect garbage seldom (gc_tuning)
                if self.runtime.audit is not None:
                    self.runtime.audit.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def shutdown(self) -> None:
        """Finish the queued requests, deliver the audit trail, close the database (on the
        event loop: PostgreSQL's loop probe closes there)."""
        self.workers.shutdown()
        self.network_workers.shutdown()
        await self.runtime.store.close_loop_probe()
        if self.runtime.audit is not None:
            self.runtime.audit.close()  # what the outbox holds, stored and streamed
        self.runtime.store.close()


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    rid: str | None,
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    if rid is not None:
        headers.append((b"x-amzn-requestid", rid.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Listeners:
    """Both listeners of one process, told apart by the local port a connection came to: the
    IAM/STS endpoint and the authorization service (``--authz-listen``), on one runtime."""

    def __init__(self, api: RolegateApp, authz: AuthzApp, authz_port: int) -> None:
        self.api = api
        self.authz = authz
        self.authz_port = authz_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _local_port(scope) == self.authz_port:
            await self.authz(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def _local_port(scope: HTTPScope) -> int | None:
    server = scope.get("server")
    return server[1] if server is not None else None


def authz_app(api: RolegateApp, routes: RouteTable | None) -> AuthzApp:
    """The authorization service on ``api``'s runtime and worker threads."""
    pipeline = api.runtime.pipeline
    decider = Decider(
        store=pipeline.store,
        authenticator=pipeline.authenticator,
        compiler=pipeline.compiler,
        policy_sets=pipeline.policy_sets,
        clock=pipeline.clock,
        rng=pipeline.rng,
        metrics=pipeline.metrics,
        audit=pipeline.audit,
        writes=pipeline.writes,
        inline_reads=pipeline.inline_reads,
    )
    return AuthzApp(decider, api.workers, routes)


def serving_app(runtime: Runtime, routes: RouteTable | None = None) -> RolegateApp | Listeners:
    """The app ``rolegate serve`` runs: the API alone, or with the authorization listener."""
    api = RolegateApp(runtime)
    address = runtime.settings.authz_address
    if address is None:
        return api
    return Listeners(api, authz_app(api, routes), address[1])


def app_from_environment() -> RolegateApp | Listeners:
    """uvicorn factory for ``--workers N``: settings come from ``ROLEGATE_*`` variables (the
    route table was checked by ``rolegate serve`` before the workers started)."""
    settings = Settings.from_sources({}, os.environ)
    configure_logging(
        os.environ.get("ROLEGATE_LOG_LEVEL", "warning"),
        os.environ.get("ROLEGATE_LOG_FORMAT", "text"),
    )
    routes = RouteTable.load(settings.authz_routes) if settings.authz_routes else None
    return serving_app(build_runtime(settings), routes)
