"""``rolegate db backup FILE``, ``db restore FILE`` and ``db copy --to URL`` (docs/operations.md).

They work on the database directly, also while a server runs on it: a backup and the source of a
copy are read from one snapshot. The master key is neither read nor written: sealed values move
as they are, and stay readable only with the same key (keep ``master.key`` with the backup).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.store.backup import restore_backup, write_backup
from rolegate.store.change_slot import NODE_WORD, announce_at
from rolegate.store.dialects import create_store_engine
from rolegate.store.transfer import TransferError, copy_database

MASTER_KEY_REMINDER = (
    "rolegate: the backup holds no master key: keep the master key (master.key in the data "
    "directory, or ROLEGATE_MASTER_KEY) with it, stored separately; sealed secrets are "
    "useless without it\n"
)


def add_db_commands(db_commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = db_commands.add_parser(
        "backup", help="write every row to FILE (gzip'd JSON lines), from one snapshot"
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    add_database_flags(backup)
    backup.set_defaults(handler=run_backup)

    restore = db_commands.add_parser(
        "restore", help="load a backup into an empty database, in one transaction"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true", help="replace the rows of a database that is not empty"
    )
    add_database_flags(restore)
    restore.set_defaults(handler=run_restore)

    copy = db_commands.add_parser(
        "copy", help="copy the database to another (e.g. SQLite to PostgreSQL) and verify it"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the target database URL")
    copy.add_argument(
        "--force", action="store_true", help="replace the rows of a target that is not empty"
    )
    add_database_flags(copy)
    copy.set_defaults(handler=run_copy)


def _reason(error: Exception) -> str:
    """One line about ``error`` (a driver's message without SQLAlchemy's trailer)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def run_backup(args: argparse.Namespace) -> int:
    engine = create_store_engine(settings_from(args).resolved_database_url)
    try:
        summary = write_backup(engine, args.file)
    except (TransferError, OSError, SQLAlchemyError) as error:
        print(f"rolegate: backup failed: {_reason(error)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"rolegate: wrote {summary.rows} rows of {len(summary.counts)} tables "
        f"(schema {summary.revision}) to {args.file}"
    )
    sys.stderr.write(MASTER_KEY_REMINDER)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.database_url is None:  # the SQLite file in the data directory
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_store_engine(settings.resolved_database_url)
    try:
        summary = restore_backup(engine, args.file, force=args.force)
    except (TransferError, OSError, SQLAlchemyError) as error:
        print(f"rolegate: restore failed, nothing was changed: {_reason(error)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if engine.dialect.name == "postgresql":  # SQLite's word is told by the restore itself
        announce_at(str(settings.data_dir / NODE_WORD))  # the node's processes forget at once
    print(
        f"rolegate: restored {summary.rows} rows of {len(summary.counts)} tables "
        f"(schema {summary.revision}) from {args.file}"
    )
    return 0


def run_copy(args: argparse.Namespace) -> int:
    try:
        target = create_store_engine(args.to)
    except ValueError as error:
        print(f"rolegate: --to: {error}", file=sys.stderr)
        return 2
    source = create_store_engine(settings_from(args).resolved_database_url)
    try:
        checks = copy_database(source, target, force=args.force)
    except (TransferError, SQLAlchemyError) as error:
        print(f"rolegate: copy failed, the target is unchanged: {_reason(error)}", file=sys.stderr)
        return 1
    finally:
        source.dispose()
        target.dispose()
    for check in checks:
        if check.same and not check.source_rows:
            continue  # empty on both sides
        verdict = "same" if check.same else "DIFFERENT"
        print(f"{check.name}: {check.source_rows} -> {check.target_rows} rows, {verdict}")
    if not all(check.same for check in checks):
        print("rolegate: the copy differs from the source", file=sys.stderr)
        return 1
    total = sum(check.source_rows for check in checks)
    print(f"rolegate: copied and verified {total} rows of {len(checks)} tables")
    return 0
