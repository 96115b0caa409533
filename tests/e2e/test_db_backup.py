"""``rolegate db backup``, ``db restore`` and ``db copy`` as an operator runs them: CLI processes
next to a serving ``rolegate serve``, then a server on the restored or copied database with the
same data directory (master key) (docs/operations.md)."""

from __future__ import annotations

import gzip
import json
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from botocore.exceptions import ClientError
from in_process import InProcessNode
from sqlalchemy import text
from sts_helpers import trust

from rolegate.store.backup import restore_backup
from rolegate.store.dialects import create_store_engine
from rolegate.store.migrate import alembic_config, head_revision
from rolegate.store.transfer import TransferError

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, Server, run_admin

TRUST = trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def _rows(url: str) -> int:
    """Rows in the database at ``url``, every rolegate table."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in conn.dialect.get_table_names(conn) if n != "alembic_version"]
            return sum(conn.execute(text(f"SELECT count(*) FROM {n}")).scalar_one() for n in names)
    finally:
        engine.dispose()


def _populate(srv: Server) -> dict[str, Any]:
    iam = srv.client("iam")
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "ops"}])
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=ALLOW_ALL)
    iam.create_role(
        RoleName="Kept", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "k", "Value": "v"}]
    )
    policy = iam.create_policy(PolicyName="P", PolicyDocument=ALLOW_ALL)
    iam.attach_role_policy(RoleName="Kept", PolicyArn=policy["Policy"]["Arn"])
    return {"key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def test_backup_while_serving_then_restore_round_trip(
    backend: str, start_server: Callable[..., Server], tmp_path: Path
) -> None:
    srv = start_server()
    alice = _populate(srv)
    backup = tmp_path / "rolegate.backup.gz"
    done = srv.admin("db", "backup", str(backup))
    assert done.returncode == 0, done.stderr
    assert "master key" in done.stderr  # the reminder: the key is not in the backup
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with gzip.open(backup, "rt") as lines:
        header = json.loads(lines.readline())
        body = lines.read()
    assert header["format"] == "rolegate-backup" and header["schema_revision"] == head_revision()
    assert alice["secret"] not in body  # sealed, as in the database
    master_key = (srv.data_dir / "master.key").read_text().strip()
    assert master_key not in body
    srv.client("iam").create_role(RoleName="AfterBackup", AssumeRolePolicyDocument=TRUST)

    with fresh_database_url(backend, tmp_path) as target:
        restore = ("db", "restore", str(backup))
        done = run_admin(srv.data_dir, target, restore)
        assert done.returncode == 0, done.stderr
        again = run_admin(srv.data_dir, target, restore)
        assert again.returncode == 1
        assert "not empty (add --force" in again.stderr
        forced = run_admin(srv.data_dir, target, (*restore, "--force"))
        assert forced.returncode == 0, forced.stderr

        restored = Server(srv.data_dir, target).start()
        try:
            as_alice = restored.client("iam", alice["key_id"], alice["secret"])
            user = as_alice.get_user(UserName="alice")["User"]
            assert user["Tags"] == [{"Key": "team", "Value": "ops"}]
            iam = restored.client("iam")
            role = iam.get_role(RoleName="Kept")["Role"]
            assert role["Tags"] == [{"Key": "k", "Value": "v"}]
            attached = iam.list_attached_role_policies(RoleName="Kept")["AttachedPolicies"]
            assert [p["PolicyName"] for p in attached] == ["P"]
            names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
            assert "AfterBackup" not in names  # written after the snapshot
        finally:
            restored.stop()


def test_a_restore_into_the_database_a_node_serves_holds_on_its_next_request(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    """The node's cached reads go: the restore tells its change word (store.change_slot)."""
    srv = start_server()
    _populate(srv)
    backup = tmp_path / "rolegate.backup.gz"
    assert srv.admin("db", "backup", str(backup)).returncode == 0
    iam = srv.client("iam")
    iam.create_role(RoleName="AfterBackup", AssumeRolePolicyDocument=TRUST)
    for _ in range(2):  # read, then answered from the node's cache
        assert iam.get_role(RoleName="AfterBackup")["Role"]["RoleName"] == "AfterBackup"
    done = srv.admin("db", "restore", str(backup), "--force")
    assert done.returncode == 0, done.stderr
    with pytest.raises(ClientError) as gone:
        iam.get_role(RoleName="AfterBackup")
    assert gone.value.response["Error"]["Code"] == "NoSuchEntity"
    assert iam.get_role(RoleName="Kept")["Role"]["RoleName"] == "Kept"


def _write_lines(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt") as out:
        out.write("".join(f"{line}\n" for line in lines))


def test_damaged_or_foreign_backups_change_nothing(
    backend: str, node: InProcessNode, tmp_path: Path
) -> None:
    """Each refused in one transaction: the target keeps no row, not even a schema. The command
    line's answer is checked once; the other files through the same function, in process."""
    backup = tmp_path / "good.gz"
    assert node.admin("db", "backup", str(backup)).returncode == 0
    with gzip.open(backup, "rt") as lines:
        records = lines.read().splitlines()
    header = json.loads(records[0])
    truncated, altered, foreign, reordered, plain = (tmp_path / n for n in "tafrp")
    _write_lines(truncated, records[:-3])  # the end record and some rows lost
    row = next(i for i, line in enumerate(records) if line.startswith('["AKIA'))
    # an access key's id edited (its status may be either, as other tests leave it)
    changed = records[row].replace('["AKIA', '["AKIB', 1)
    _write_lines(altered, [*records[:row], changed, *records[row + 1 :]])
    _write_lines(foreign, [json.dumps({**header, "schema_revision": "r9999"}), *records[1:]])
    _write_lines(reordered, [records[0], '["row before any table"]', *records[1:]])
    plain.write_text("not a backup\n")
    expected = {
        altered: "do not match the dump's digest",
        foreign: "schema revision 'r9999', which this rolegate does not know",
        reordered: "rows before any table",
        plain: "not a rolegate backup",
    }
    with fresh_database_url(backend, tmp_path) as target:
        done = run_admin(node.data_dir, target, ("db", "restore", str(truncated)))
        assert done.returncode == 1
        assert "restore failed, nothing was changed" in done.stderr
        assert "incomplete" in done.stderr and "Traceback" not in done.stderr
        engine = create_store_engine(target)
        try:
            for path, message in expected.items():
                with pytest.raises(TransferError, match=re.escape(message)):
                    restore_backup(engine, path, force=False)
        finally:
            engine.dispose()
        assert _rows(target) == 0
        done = run_admin(node.data_dir, target, ("db", "restore", str(backup)))
        assert done.returncode == 0, done.stderr
        assert _rows(target) > 0


def test_a_backup_of_an_older_schema_is_restored_and_upgraded(backend: str, tmp_path: Path) -> None:
    """A backup written at r0013 (before outbound federation) restores into a database at head."""
    data_dir = tmp_path / "data"
    with fresh_database_url(backend, tmp_path) as old, fresh_database_url(backend, tmp_path) as new:
        engine = create_store_engine(old)
        try:
            with engine.connect() as conn, conn.begin():
                command.upgrade(alembic_config(conn), "r0013")
                created = "'2026-01-02T03:04:05+00:00'" if backend == "postgresql" else "0"
                insert = "INSERT INTO accounts (account_id, create_date) VALUES"
                conn.execute(text(f"{insert} ('{ACCOUNT_ID}', {created})"))
        finally:
            engine.dispose()
        backup = tmp_path / "old.gz"
        done = run_admin(data_dir, old, ("db", "backup", str(backup)))
        assert done.returncode == 0, done.stderr
        assert "(schema r0013)" in done.stdout
        done = run_admin(data_dir, new, ("db", "restore", str(backup)))
        assert done.returncode == 0, done.stderr
        engine = create_store_engine(new)
        try:
            with engine.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
                accounts = conn.execute(text("SELECT account_id FROM accounts")).scalars().all()
            assert version == head_revision()
            assert accounts == [ACCOUNT_ID]
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_copy_a_running_sqlite_installation_to_postgresql_and_back(tmp_path: Path) -> None:
    """Sessions issued by the SQLite server work on a server started on the PostgreSQL copy with
    the same data directory (master key); the copy is verified table by table."""
    data_dir = tmp_path / "data"
    sqlite_url = f"sqlite:///{tmp_path / 'rolegate.db'}"
    with fresh_database_url("postgresql", tmp_path) as pg_url:
        first = Server(data_dir, sqlite_url).start()
        try:
            alice = _populate(first)
            iam = first.client("iam")
            role = iam.create_role(RoleName="Moved", AssumeRolePolicyDocument=TRUST)["Role"]
            as_alice = first.client("sts", alice["key_id"], alice["secret"])
            creds = as_alice.assume_role(RoleArn=role["Arn"], RoleSessionName="before-copy")[
                "Credentials"
            ]
            done = run_admin(data_dir, sqlite_url, ("db", "copy", "--to", pg_url))
            assert done.returncode == 0, done.stderr
            assert "copied and verified" in done.stdout
            assert "DIFFERENT" not in done.stdout
            assert "roles: 2 -> 2 rows, same" in done.stdout
            again = run_admin(data_dir, sqlite_url, ("db", "copy", "--to", pg_url))
            assert again.returncode == 1 and "not empty" in again.stderr
        finally:
            first.stop()
        moved = Server(data_dir, pg_url).start()
        try:
            sts = moved.client(
                "sts",
                creds["AccessKeyId"],
                creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
            arn = sts.get_caller_identity()["Arn"]
            assert arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/Moved/before-copy"
        finally:
            moved.stop()
        back = f"sqlite:///{tmp_path / 'back.db'}"
        done = run_admin(data_dir, pg_url, ("db", "copy", "--to", back))
        assert done.returncode == 0, done.stderr
        assert "copied and verified" in done.stdout
