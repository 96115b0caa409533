"""``rolegate serve``: migrate, create the default account on first start, then serve."""

from __future__ import annotations

import argparse
import inspect
import os
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from rolegate.authz_client.routes import RouteTable
from rolegate.catalog.operator_services import CATALOG_ENV, ServiceCatalogError, load_services
from rolegate.cli.options import add_database_flags, settings_from
from rolegate.server.app import build_runtime, serving_app
from rolegate.server.bootstrap import announce_created
from rolegate.server.edge import is_loopback
from rolegate.server.log_format import LOG_FORMATS, configure_logging
from rolegate.server.metrics import multiprocess_directory
from rolegate.server.one_write import OneWriteHttpToolsProtocol
from rolegate.server.settings import AUDIT_WRITERS
from rolegate.server.worker_key import settings_for_workers

PERMISSIVE_WARNING = (
    "rolegate: WARNING: --auth permissive: requests signed with unknown access keys act as the "
    "root user of the default account (or of the account a 12-digit key names) and "
    "POST /_rolegate/reset wipes all state. Use this for local testing only.\n"
)
REMOTE_PERMISSIVE_WARNING = (
    "rolegate: WARNING: --auth permissive on {host}, not a loopback address "
    "(--allow-remote-permissive): ANYONE WHO REACHES PORT {port} ACTS AS THE ROOT USER OF ANY "
    "ACCOUNT and can wipe all state.\n"
)

# Seconds a --workers process may take to answer uvicorn's health check (its default: 5). A new
# worker imports rolegate before it answers: on a loaded machine that took longer than 5 s, and
# uvicorn killed and replaced it in a loop, never serving.
WORKER_HEALTHCHECK_S = 30

REMOTE_AUTHZ_WARNING = (
    "rolegate: WARNING: the authorization service listens on {address}, not a loopback "
    "address: it trusts its network position, so ANYONE WHO REACHES IT LEARNS WHETHER A "
    "SIGNATURE IS VALID AND WHAT A PRINCIPAL MAY DO. Keep it behind a firewall, reachable by "
    "your proxies only.\n"
)


def add_serve_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("serve", help="start the IAM/STS server")
    parser.add_argument("--host", help="listen address (default 127.0.0.1; ROLEGATE_HOST)")
    parser.add_argument("--port", type=int, help="listen port (default 4566; ROLEGATE_PORT)")
    add_database_flags(parser)
    parser.add_argument(
        "--auth",
        choices=("strict", "permissive"),
        help="SigV4 mode (default strict; ROLEGATE_AUTH)",
    )
    parser.add_argument(
        "--workers",
        help="server processes, or 'auto' for one per core (default 1; ROLEGATE_WORKERS)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="request threads per server process (default 2; ROLEGATE_THREADS)",
    )
    parser.add_argument(
        "--no-inline-reads",
        action="store_true",
        help="answer every request on a worker thread, even those the read cache answers, "
        "which by default run on the event loop (ROLEGATE_INLINE_READS=0; docs/decisions.md)",
    )
    parser.add_argument(
        "--no-console",
        action="store_true",
        help="do not serve the web console under /console/ (ROLEGATE_CONSOLE=0)",
    )
    parser.add_argument(
        "--saml-audience",
        help="this server's SAML endpoint URL(s), comma-separated, accepted as Recipient and "
        "Audience of SAML responses besides AWS's (ROLEGATE_SAML_AUDIENCE)",
    )
    parser.add_argument(
        "--oidc-ca-bundle",
        help="PEM file of CA certificates trusted for OpenID Connect issuers instead of the "
        "system's (ROLEGATE_OIDC_CA_BUNDLE)",
    )
    parser.add_argument(
        "--trusted-proxies",
        help="comma-separated addresses or CIDR networks of the proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto count (default none; ROLEGATE_TRUSTED_PROXIES)",
    )
    parser.add_argument(
        "--allowed-origins",
        help="comma-separated origins (http://localhost:3000) whose browser requests are "
        "answered; others are refused (default none; ROLEGATE_ALLOWED_ORIGINS)",
    )
    parser.add_argument(
        "--allow-remote-permissive",
        action="store_true",
        default=None,
        help="let --auth permissive listen on an address other than loopback "
        "(ROLEGATE_ALLOW_REMOTE_PERMISSIVE=1)",
    )
    parser.add_argument(
        "--public-url",
        help="the URL clients reach this server at, the base of the accounts' OpenID Connect "
        "issuer URLs (default http://HOST:PORT; ROLEGATE_PUBLIC_URL)",
    )
    parser.add_argument(
        "--service-catalog",
        help="YAML or JSON file declaring your own services (actions, resource types, condition "
        "keys) and service-linked roles; read again when it changes (ROLEGATE_SERVICE_CATALOG; "
        "docs/simulator.md)",
    )
    parser.add_argument(
        "--authz-listen",
        help="HOST:PORT (or PORT, on 127.0.0.1) of the authorization service's listener: "
        "POST /v1/authorize, nginx auth_request, Envoy ext_authz (default off; "
        "ROLEGATE_AUTHZ_LISTEN)",
    )
    parser.add_argument(
        "--authz-routes",
        help="route table file for nginx auth_request and Envoy ext_authz: METHOD PATH ACTION "
        "RESOURCE per line (ROLEGATE_AUTHZ_ROUTES)",
    )
    parser.add_argument(
        "--no-metrics",
        action="store_true",
        help="do not serve Prometheus metrics at /metrics, which answers anyone who reaches the "
        "port (ROLEGATE_METRICS=0; docs/operations.md)",
    )
    parser.add_argument(
        "--audit-retention-days",
        type=int,
        help="days the audit trail keeps its events, pruned in the background (default 90, as "
        "CloudTrail's event history; ROLEGATE_AUDIT_RETENTION_DAYS; docs/audit.md)",
    )
    parser.add_argument(
        "--audit-log",
        help="also stream the audit trail as JSON lines, one CloudTrail record per line, to "
        "this file (appended to), or '-' for standard output (ROLEGATE_AUDIT_LOG)",
    )
    parser.add_argument(
        "--audit-writer",
        choices=AUDIT_WRITERS,
        help="who builds and stores the audit events of reads, refusals and decisions: a "
        "writer process beside each server process (default), or a thread of the server "
        "(ROLEGATE_AUDIT_WRITER; docs/audit.md)",
    )
    parser.add_argument("--log-level", default=os.environ.get("ROLEGATE_LOG_LEVEL", "warning"))
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=os.environ.get("ROLEGATE_LOG_FORMAT", "text"),
        help="log lines as text or one JSON object per line (default text; ROLEGATE_LOG_FORMAT)",
    )
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    try:
        settings = settings_from(args)
        routes = RouteTable.load(settings.authz_routes) if settings.authz_routes else None
    except ValueError as error:  # RouteTableError included: refused with the offending line
        print(f"rolegate: {error}", file=sys.stderr)
        return 2
    if settings.service_catalog is not None:
        # Read where the catalogue is needed (and by every worker) from the environment.
        os.environ[CATALOG_ENV] = str(settings.service_catalog)
        try:
            load_services(settings.service_catalog)
        except ServiceCatalogError as error:
            print(f"rolegate: --service-catalog: {error}", file=sys.stderr)
            return 2
    configure_logging(args.log_level, args.log_format)
    # Read by the workers and the audit writer process (server.audit_process).
    os.environ["ROLEGATE_LOG_LEVEL"] = args.log_level
    os.environ["ROLEGATE_LOG_FORMAT"] = args.log_format
    runtime = build_runtime(settings)
    message = announce_created(runtime.bootstrap, settings.data_dir, settings)
    if message:
        sys.stdout.write(message)
    if settings.auth == "permissive":
        sys.stderr.write(PERMISSIVE_WARNING)
        if not is_loopback(settings.host):
            sys.stderr.write(
                REMOTE_PERMISSIVE_WARNING.format(host=settings.host, port=settings.port)
            )
    sys.stdout.write(
        f"rolegate: serving IAM and STS for account {runtime.bootstrap.account_id} "
        f"on http://{settings.host}:{settings.port}\n"
    )
    authz = settings.authz_address
    if authz is not None:
        host = f"[{authz[0]}]" if ":" in authz[0] else authz[0]
        sys.stdout.write(f"rolegate: authorization service on http://{host}:{authz[1]}\n")
        if not is_loopback(authz[0]):
            sys.stderr.write(REMOTE_AUTHZ_WARNING.format(address=f"{host}:{authz[1]}"))
    sys.stdout.flush()
    # uvicorn reads X-Forwarded-For/-Proto only from --trusted-proxies (its default: 127.0.0.1).
    extra: dict[str, Any] = {}
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        extra["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_S
    config = uvicorn.Config(
        "rolegate.server.app:app_from_environment"
        if settings.workers > 1
        else serving_app(runtime, routes),
        factory=settings.workers > 1,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=args.log_level,
        log_config=None,  # uvicorn's lines go to the root logger's handler (server.log_format)
        access_log=False,
        http=OneWriteHttpToolsProtocol,  # each response in one socket write (server.one_write)
        lifespan="on",
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        **extra,
    )
    sockets = [config.bind_socket()]
    if authz is not None:
        sockets.append(listen_socket(*authz))
    if settings.workers > 1:
        runtime.store.close()
        _export_settings(settings_for_workers(settings))  # the master key not in their environment
        if settings.metrics:
            multiprocess_directory()  # the workers' metric files, summed at /metrics
        Multiprocess(config, sockets=sockets).run()
    else:
        try:
            uvicorn.Server(config).run(sockets=sockets)
        except KeyboardInterrupt:
            pass
    return 0


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``, as uvicorn binds its own."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        message = f"rolegate: cannot listen on {host}:{port} (--authz-listen): {error}"
        raise SystemExit(message) from None
    sock.set_inheritable(True)
    return sock


def _export_settings(settings: object) -> None:
    """Worker processes rebuild their settings from the environment."""
    for name in (
        "data_dir",
        "database_url",
        "auth",
        "default_account_id",
        "region",
        "threads",
        "master_key_file",
        "oidc_ca_bundle",
        "oidc_refresh_floor",
        "saml_audience",
        "host",
        "port",  # the default public URL (http://HOST:PORT) of the issuers
        "trusted_proxies",
        "allowed_origins",
        "allow_remote_permissive",
        "public_url",
        "authz_listen",
        "audit_retention_days",
        "audit_log",
        "audit_writer",
        "authz_routes",
        "console",
        "metrics",
        "inline_reads",
    ):
        value = getattr(settings, name)
        if isinstance(value, tuple):
            value = ",".join(value)
        elif isinstance(value, bool):
            value = "1" if value else "0"
        if value is not None:
            os.environ[f"ROLEGATE_{name.upper()}"] = str(value)
