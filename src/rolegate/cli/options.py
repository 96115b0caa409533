"""Flags shared by the commands that open the database."""

from __future__ import annotations

import argparse
import os

from rolegate.server.settings import Settings


def add_database_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data directory (default ./data; ROLEGATE_DATA_DIR)")
    parser.add_argument(
        "--database-url",
        help="sqlite:///PATH or postgresql://… (default: SQLite in the data directory; "
        "ROLEGATE_DATABASE_URL)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    flags = {
        name: getattr(args, name, None)
        for name in (
            "host",
            "port",
            "data_dir",
            "database_url",
            "auth",
            "workers",
            "threads",
            "saml_audience",
            "oidc_ca_bundle",
            "trusted_proxies",
            "allowed_origins",
            "allow_remote_permissive",
            "public_url",
            "service_catalog",
            "authz_listen",
            "authz_routes",
            "audit_retention_days",
            "audit_log",
            "audit_writer",
        )
    }
    if getattr(args, "no_console", False):
        flags["console"] = "0"
    if getattr(args, "no_metrics", False):
        flags["metrics"] = "0"
    if getattr(args, "no_inline_reads", False):
        flags["inline_reads"] = "0"
    return Settings.from_sources(flags, os.environ)
