"""Prometheus metrics at ``GET /metrics`` (docs/operations.md), with ``prometheus-client``.

Every name starts with ``rolegate_``; every label takes values from a fixed set, never from a
request: ``operation`` is a name of the operation table or ``-``, ``service`` ``iam``/``sts``,
``effect`` the policy engine's three, ``kind`` the credential-issuing operations and
``ConsoleSession``.

One process (the default): the metrics live in this runtime's own registry. ``--workers N``:
``rolegate serve`` creates a private directory and names it in ``PROMETHEUS_MULTIPROC_DIR``
before it starts the workers (``multiprocess_directory``), so prometheus-client in each worker
keeps its values in files there; whichever worker answers ``/metrics`` sums them
(``MultiProcessCollector``): counters and histograms over every worker that ever ran, the pool
gauges over the workers alive. The directory is removed when the server exits.

The audit backlog is read when scraped, from whatever ``set_backlog_source`` was given.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from rolegate.store.dialects import WRITE_OPTION

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNKNOWN = "-"
# Operations that hand out credentials (or a token), counted by kind when they succeed.
CREDENTIAL_OPERATIONS = frozenset(
    {
        "AssumeRole",
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
        "GetSessionToken",
        "GetFederationToken",
        "AssumeRoleForWorkload",
        "GetWebIdentityToken",
        "GetScopedCredentials",
    }
)
CONSOLE_SESSION = "ConsoleSession"
_DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
_STARTED = "rolegate_tx_started"  # in a connection's info: when its transaction began


def multiprocess_directory() -> Path:
    """A new private directory for the workers' metric files, in ``PROMETHEUS_MULTIPROC_DIR``
    from now on (inherited by the workers), removed when this process exits."""
    directory = Path(tempfile.mkdtemp(prefix="rolegate-metrics-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ[MULTIPROCESS_ENV] = str(directory)
    return directory


class _Backlog(Collector):
    """``rolegate_audit_backlog``: asked of its source at each scrape."""

    def __init__(self) -> None:
        self.source: Callable[[], int] | None = None

    def collect(self) -> Iterable[Metric]:
        if self.source is None:
            return []
        family = GaugeMetricFamily(
            "rolegate_audit_backlog", "Audit events written but not yet delivered."
        )
        family.add_metric([], float(self.source()))
        return [family]


class Metrics:
    """This runtime's metrics; with ``enabled=False`` every method does nothing."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.multiprocess = MULTIPROCESS_ENV in os.environ
        # In multiprocess mode the values live in files; the registry only serves one process.
        self.registry = CollectorRegistry(auto_describe=True)
        own = None if self.multiprocess else self.registry
        self._backlog = _Backlog()
        # A request's labelled children by (service, operation, status): ``labels`` takes a
        # lock and builds keys on every call. Bounded: unknown operations count as ``-``.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._outcomes: dict[str, Any] = {}  # loop_attempts' children by outcome, alike
        self.requests = Counter(
            "rolegate_requests",
            "IAM and STS requests answered, by service, operation and HTTP status.",
            ("service", "operation", "status"),
            registry=own,
        )
        self.latency = Histogram(
            "rolegate_request_duration_seconds",
            "Time to answer an IAM or STS request, from the decoded form to the XML.",
            ("service", "operation"),
            registry=own,
        )
        self.decisions = Counter(
            "rolegate_authorization_decisions",
            "Policy decisions, by where they were asked (api: IAM/STS calls, authz_service: "
            "/v1/authorize and the proxies' checks) and effect.",
            ("source", "effect"),
            registry=own,
        )
        self.credentials = Counter(
            "rolegate_credentials_issued",
            "Temporary credentials (and tokens) issued, by the operation that issued them.",
            ("kind",),
            registry=own,
        )
        self.loop_attempts = Counter(
            "rolegate_event_loop_attempts",
            "IAM/STS requests and authorization questions tried on the event loop from the read "
            "cache (server.inline), by outcome: "
            "answered there, or run on a worker thread because they needed the database or "
            "the change serial could not be read from the loop.",
            ("outcome",),
            registry=own,
        )
        self.oidc_fetches = Counter(
            "rolegate_oidc_key_fetches",
            "Documents fetched from OpenID Connect issuers (discovery, JWKS), by result.",
            ("result",),
            registry=own,
        )
        self.transactions = Histogram(
            "rolegate_db_transaction_seconds",
            "Database transactions from BEGIN to COMMIT or ROLLBACK, by mode.",
            ("mode",),
            buckets=_DB_BUCKETS,
            registry=own,
        )
        self.pool_size = Gauge(
            "rolegate_db_pool_size",
            "Connections the database pools keep (summed over the server processes).",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.pool_checked_out = Gauge(
            "rolegate_db_pool_checked_out",
            "Connections in use now (summed over the server processes).",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.registry.register(self._backlog)

    # --- what the server reports ----------------------------------------------------------
    def request_done(
        self,
        service: str,
        operation: str,
        known: Collection[tuple[str, str]],
        status: int,
        seconds: float,
    ) -> None:
        """One answered request; ``operation`` counts under its name only when ``known``
        holds ``(service, operation)``, else as ``-``."""
        if not self.enabled:
            return
        if (service, operation) not in known:
            operation = UNKNOWN
        key = (service, operation, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(service, operation, str(status)),
                self.latency.labels(service, operation),
            )
        children[0].inc()
        children[1].observe(seconds)
        if status == 200 and operation in CREDENTIAL_OPERATIONS:
            self.credentials.labels(operation).inc()

    def loop_attempt(self, outcome: str) -> None:
        """``answered``, ``needed_database`` or ``probe_failed`` (``server.inline``)."""
        if self.enabled:
            child = self._outcomes.get(outcome)
            if child is None:
                child = self._outcomes[outcome] = self.loop_attempts.labels(outcome)
            child.inc()

    def console_session(self) -> None:
        if self.enabled:
            self.credentials.labels(CONSOLE_SESSION).inc()

    def decision(self, source: str, effect: str) -> None:
        if self.enabled:
            self.decisions.labels(source, effect).inc()

    def api_decision(self, effect: str) -> None:
        self.decision("api", effect)

    def oidc_fetch(self, ok: bool) -> None:
        if self.enabled:
            self.oidc_fetches.labels("ok" if ok else "error").inc()

    def counted_fetch(self, fetch: Callable[..., Any]) -> Callable[..., Any]:
        """``fetch`` (``federation.oidc_http.fetch_json``), counting each call's result."""

        def counted(*args: Any) -> Any:
            try:
                fetched = fetch(*args)
            except Exception:
                self.oidc_fetch(False)
                raise
            self.oidc_fetch(True)
            return fetched

        return counted

    def set_backlog_source(self, source: Callable[[], int] | None) -> None:
        """``rolegate_audit_backlog`` becomes ``source()`` at each scrape (None: not shown)."""
        self._backlog.source = source

    def watch_engine(self, engine: Engine) -> None:
        """Transaction times and pool figures of ``engine`` (SQLAlchemy's events)."""
        if not self.enabled:
            return
        size = getattr(engine.pool, "size", None)
        if callable(size):
            self.pool_size.inc(size())

        def begun(conn: Connection) -> None:
            conn.info[_STARTED] = time.perf_counter()

        def ended(conn: Connection) -> None:
            started = conn.info.pop(_STARTED, None)
            if started is not None:
                write = conn.get_execution_options().get(WRITE_OPTION, True)
                mode = "write" if write else "read"
                self.transactions.labels(mode).observe(time.perf_counter() - started)

        event.listen(engine, "begin", begun)
        event.listen(engine, "commit", ended)
        event.listen(engine, "rollback", ended)
        event.listen(engine.pool, "checkout", lambda *_: self.pool_checked_out.inc())
        event.listen(engine.pool, "checkin", lambda *_: self.pool_checked_out.dec())

    # --- GET /metrics -----------------------------------------------------------------------
    def exposition(self) -> bytes:
        """The text format of every metric (all worker processes' in multiprocess mode)."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        directory = os.environ[MULTIPROCESS_ENV]
        _forget_dead_workers(Path(directory))
        scrape = CollectorRegistry()
        multiprocess.MultiProcessCollector(scrape, path=directory)  # type: ignore[no-untyped-call]
        scrape.register(self._backlog)
        return generate_latest(scrape)


def _forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of worker processes that died (uvicorn replaces them)."""
    for path in directory.glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(directory))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
