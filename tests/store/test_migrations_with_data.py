"""Every schema migration, applied one at a time to a database that holds data written at the
first schema (r0001), keeps that data: checked after each step, on SQLite and PostgreSQL, then
read through the store at head."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from store_helpers import ACCOUNT, T0, AesGcmSealer

from rolegate.domain.saml_provider import SamlPrivateKey
from rolegate.store import AuditQuery, Store
from rolegate.store.dialects import create_store_engine
from rolegate.store.migrate import alembic_config, head_revision
from rolegate.store.repos.access_keys import SECRETS_PURPOSE
from rolegate.store.snapshot import current_revision, tables_at

KEY_ID = "AKIAFIRSTSCHEMA00001"
ROLE_ID = "AROAFIRSTSCHEMA00001"


def _revisions() -> list[str]:
    """r0001 ... head, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _first_schema_rows(sealer: AesGcmSealer) -> dict[str, list[dict[str, Any]]]:
    secret = sealer.seal(b"first-secret", purpose=SECRETS_PURPOSE, aad=KEY_ID.encode())
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        f'"Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}'
    )
    return {
        "accounts": [{"account_id": ACCOUNT, "create_date": T0}],
        "access_keys": [
            {
                "access_key_id": KEY_ID,
                "account_id": ACCOUNT,
                "user_name": None,
                "status": "Active",
                "create_date": T0,
                "secret_sealed": secret,
            }
        ],
        "roles": [
            {
                "role_id": ROLE_ID,
                "account_id": ACCOUNT,
                "role_name": "FirstSchema",
                "name_key": "firstschema",
                "path": "/old/",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/old/FirstSchema",
                "create_date": T0,
                "assume_role_policy_document": trust,
                "description": "written at r0001",
                "max_session_duration": 7200,
                "permissions_boundary_arn": None,
                "last_used_date": T0 + timedelta(days=1),
                "last_used_region": "eu-west-1",
            }
        ],
        "role_tags": [
            {"owner_id": ROLE_ID, "position": 0, "tag_key": "team", "tag_value": "ops"},
            {"owner_id": ROLE_ID, "position": 1, "tag_key": "env", "tag_value": "prod"},
        ],
        "role_policies": [
            {
                "owner_id": ROLE_ID,
                "name_key": "inline",
                "policy_name": "Inline",
                "policy_document": '{"Version":"2012-10-17","Statement":[]}',
            }
        ],
    }


def _check_rows(conn: Connection, expected: dict[str, list[dict[str, Any]]], step: str) -> None:
    tables = {table.name: table for table in tables_at(conn, current_revision(conn) or "")}
    for name, rows in expected.items():
        table = tables[name]
        columns = [table.c[column] for column in rows[0]]
        found = conn.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        assert [dict(row._mapping) for row in found] == rows, f"{name} after {step}"


def test_every_migration_keeps_the_first_schemas_data(url: str, sealer: AesGcmSealer) -> None:
    revisions = _revisions()
    assert revisions[0] == "r0001" and revisions[-1] == head_revision()
    rows = _first_schema_rows(sealer)
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            command.upgrade(alembic_config(conn), "r0001")
            tables = {table.name: table for table in tables_at(conn, "r0001")}
            assert set(tables) == set(rows)
            for name, values in rows.items():  # parents first
                conn.execute(tables[name].insert(), values)
        for revision in revisions[1:]:
            with engine.connect() as conn, conn.begin():
                command.upgrade(alembic_config(conn), revision)
            with engine.connect() as conn, conn.begin():
                assert current_revision(conn) == revision
                _check_rows(conn, rows, revision)
    finally:
        engine.dispose()
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            key = tx.access_keys.get(KEY_ID)
            assert key is not None and key.secret_access_key == "first-secret"
            role = tx.roles.get(ACCOUNT, "firstschema")
            assert role is not None
            assert (role.path, role.description, role.max_session_duration) == (
                "/old/",
                "written at r0001",
                7200,
            )
            assert [(t.key, t.value) for t in role.tags] == [("team", "ops"), ("env", "prod")]
            policy = tx.role_policies.get(ROLE_ID, "Inline")
            assert policy is not None and policy.policy_name == "Inline"
    finally:
        store.close()


def test_r0020_keeps_saml_providers_and_gives_them_no_keys(url: str, sealer: AesGcmSealer) -> None:
    """A provider written at r0019 reads at r0020 as Allowed and without private keys; one with a
    key survives the way back to r0019 (the key table goes, the provider stays)."""
    provider = {
        "provider_id": "SAMLBEFORE0000000000000000",
        "account_id": ACCOUNT,
        "name": "Before",
        "name_key": "before",
        "arn": f"arn:aws:iam::{ACCOUNT}:saml-provider/Before",
        "metadata_document": "<m/>",
        "entity_id": "urn:idp",
        "certificates": "[]",
        "create_date": T0,
        "valid_until": None,
    }
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            command.upgrade(alembic_config(conn), "r0019")
            tables = {table.name: table for table in tables_at(conn, "r0019")}
            conn.execute(tables["accounts"].insert(), [{"account_id": ACCOUNT, "create_date": T0}])
            conn.execute(tables["saml_providers"].insert(), [provider])
        with engine.connect() as conn, conn.begin():
            command.upgrade(alembic_config(conn), "r0020")
    finally:
        engine.dispose()
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            got = tx.saml_providers.get(ACCOUNT, "before")
            assert got is not None and got.entity_id == "urn:idp"
            assert (got.assertion_encryption_mode, got.private_keys) == ("Allowed", ())
            key = SamlPrivateKey("SAMLKEY0000000000000000000", T0, "pem")
            tx.saml_providers.add_private_key(got.provider_id, key)
        with store.transaction() as tx:
            got = tx.saml_providers.get(ACCOUNT, "before")
            assert got is not None and got.private_keys == (key,)
    finally:
        store.close()
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn), "r0019")
        with engine.connect() as conn, conn.begin():
            tables = {table.name: table for table in tables_at(conn, "r0019")}
            assert "saml_provider_private_keys" not in tables
            names = conn.execute(select(tables["saml_providers"].c.name)).scalars().all()
            assert names == ["Before"]
    finally:
        engine.dispose()


def _audit_shape(conn: Connection) -> tuple[list[str], str | None, set[str]]:
    inspector = inspect(conn)
    key = inspector.get_pk_constraint("audit_events")
    indexes = {index["name"] for index in inspector.get_indexes("audit_events")}
    return key["constrained_columns"], key["name"], {name for name in indexes if name}


def test_r0021_keys_audit_events_by_time_and_keeps_them(url: str, sealer: AesGcmSealer) -> None:
    """Events written at r0020 are all there at r0021, under the key (event_time, event_id) and
    without ix_audit_events_time; LookupEvents and the retention find them; the way back to r0020
    restores the old key and index and keeps the rows."""
    events = [
        {
            "event_id": f"00000000-0000-4000-8000-{n:012d}",
            "account_id": ACCOUNT if n % 3 else "",
            "event_time": T0 + timedelta(seconds=n // 2),  # pairs share a time
            "event_name": "GetRole" if n % 2 else "CreateRole",
            "event_source": "iam.amazonaws.com",
            "username": None if n % 4 else "alice",
            "access_key_id": "AKIAEXAMPLE",
            "read_only": bool(n % 2),
            "record": f'{{"n":{n}}}',
            "resources": "",
        }
        for n in reversed(range(12))  # stored newest first: the key, not the order written
    ]
    ordered = sorted(events, key=lambda e: (e["event_time"], e["event_id"]))
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            command.upgrade(alembic_config(conn), "r0020")
            tables = {table.name: table for table in tables_at(conn, "r0020")}
            conn.execute(tables["audit_events"].insert(), events)
            assert _audit_shape(conn) == (
                ["event_id"],
                "pk_audit_events",
                {"ix_audit_events_account", "ix_audit_events_time"},
            )
        with engine.connect() as conn, conn.begin():
            command.upgrade(alembic_config(conn), "r0021")
        with engine.connect() as conn, conn.begin():
            assert _audit_shape(conn) == (
                ["event_time", "event_id"],
                "pk_audit_events",
                {"ix_audit_events_account"},
            )
            table = {table.name: table for table in tables_at(conn, "r0021")}["audit_events"]
            found = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            assert [dict(row._mapping) for row in found] == ordered
    finally:
        engine.dispose()
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction(write=False) as tx:
            query = AuditQuery(ACCOUNT, T0, T0 + timedelta(hours=1), limit=50)
            newest = [event.event_id for event in tx.audit_events.lookup(query)]
            mine = [str(e["event_id"]) for e in reversed(ordered) if e["account_id"] == ACCOUNT]
            assert newest == mine
            by_id = replace(query, attribute=("EventId", mine[3]))
            assert [event.event_id for event in tx.audit_events.lookup(by_id)] == [mine[3]]
        with store.transaction() as tx:
            assert tx.audit_events.prune(T0 + timedelta(seconds=1)) == 2  # the two at T0
    finally:
        store.close()
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn), "r0020")
        with engine.connect() as conn, conn.begin():
            assert _audit_shape(conn) == (
                ["event_id"],
                "pk_audit_events",
                {"ix_audit_events_account", "ix_audit_events_time"},
            )
            table = {table.name: table for table in tables_at(conn, "r0020")}["audit_events"]
            rows = conn.execute(select(table).order_by(table.c.event_time, table.c.event_id))
            assert [dict(row._mapping) for row in rows] == ordered[2:]
    finally:
        engine.dispose()
