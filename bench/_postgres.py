"""A throw-away PostgreSQL database for one benchmark run, on the server ``--database-url`` names.

Every run starts from an empty database (so "1,000 roles present" holds and runs compare), and
the database is dropped afterwards. The URL's own database is only used to issue
``CREATE DATABASE`` / ``DROP DATABASE``.
"""

from __future__ import annotations

import os
import secrets
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


class ScratchDatabase:
    def __init__(self, server_url: str) -> None:
        self._parts = urlsplit(server_url)
        if not self._parts.scheme.startswith("postgres"):
            raise ValueError(f"--database-url must be a PostgreSQL URL, not {server_url!r}")
        self.name = f"rolegate_bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.url = urlunsplit(self._parts._replace(path=f"/{self.name}"))
        self._created = False

    def _admin_dsn(self) -> str:
        scheme = self._parts.scheme.split("+", 1)[0]  # drop SQLAlchemy's "+psycopg"
        return urlunsplit(self._parts._replace(scheme=scheme))

    def create(self) -> None:
        """Create the database; RuntimeError (with the server's reason) if that fails."""
        try:
            with psycopg.connect(self._admin_dsn(), autocommit=True) as connection:
                statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name))
                connection.execute(statement)
        except psycopg.Error as error:
            raise RuntimeError(f"cannot create database {self.name}: {error}") from error
        self._created = True

    def drop(self) -> None:
        """Drop the database; a failure is reported on stderr, never raised (this is clean-up)."""
        if not self._created:
            return
        try:
            with psycopg.connect(self._admin_dsn(), autocommit=True) as connection:
                statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                connection.execute(statement.format(sql.Identifier(self.name)))
        except psycopg.Error as error:
            print(f"warning: could not drop database {self.name}: {error}", file=sys.stderr)
        self._created = False
