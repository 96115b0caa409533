"""Schema migrations (Alembic), run programmatically from the package's own script directory.

``upgrade(url)`` backs ``rolegate db upgrade``; ``Store.open`` calls ``upgrade_engine`` itself.
Concurrent upgrades (several nodes starting at once) are serialised: a PostgreSQL advisory lock,
or SQLite's write lock (the upgrade runs in ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from rolegate.store.dialects import WRITE_OPTION, advisory_lock_sql, create_store_engine

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade_engine(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    with engine.connect() as conn, conn.begin():
        lock = advisory_lock_sql(conn.dialect.name)
        if lock is not None:
            conn.exec_driver_sql(lock)
        if MigrationContext.configure(conn).get_current_revision() == head_revision():
            return
        command.upgrade(alembic_config(conn), "head")


def upgrade(url: str) -> None:
    """Migrate the database at ``url`` (``sqlite:///...`` or ``postgresql://...``) to head."""
    engine = create_store_engine(url)
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()


def schema_problem(engine: Engine) -> str | None:
    """Why ``engine``'s database cannot serve this rolegate now (unreachable, or its schema is
    not at head), or None when it can: ``GET /readyz``."""
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: False})  # SQLite: a plain BEGIN, no lock
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # any driver error: the database is not usable
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"database unreachable: {first[0] if first else type(exc).__name__}"
    head = head_revision()
    if current != head:
        return f"database schema at revision {current}, this rolegate needs {head}"
    return None
