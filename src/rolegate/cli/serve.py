"""``rolegate serve``: migrate, create the default account on first start, then serve."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.server.app import RolegateApp, build_runtime
from rolegate.server.bootstrap import announce_created
from rolegate.server.edge import is_loopback
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
        "--workers", type=int, help="server processes (default 1; ROLEGATE_WORKERS)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="request threads per server process (default 2; ROLEGATE_THREADS)",
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
    parser.add_argument("--log-level", default=os.environ.get("ROLEGATE_LOG_LEVEL", "warning"))
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    try:
        settings = settings_from(args)
    except ValueError as error:
        print(f"rolegate: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
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
    sys.stdout.flush()
    # uvicorn reads X-Forwarded-For/-Proto only from --trusted-proxies (its default: 127.0.0.1).
    if settings.workers > 1:
        runtime.store.close()
        _export_settings(settings_for_workers(settings))  # the master key not in their environment
        uvicorn.run(
            "rolegate.server.app:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=args.log_level,
            access_log=False,
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies),
        )
    else:
        uvicorn.run(
            RolegateApp(runtime),
            host=settings.host,
            port=settings.port,
            log_level=args.log_level,
            access_log=False,
            lifespan="on",
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies),
        )
    return 0


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
    ):
        value = getattr(settings, name)
        if isinstance(value, tuple):
            value = ",".join(value)
        if value is not None:
            os.environ[f"ROLEGATE_{name.upper()}"] = str(value)
