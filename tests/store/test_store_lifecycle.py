"""Transactions, reset, migrations, URLs and connection failures."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from store_helpers import ACCOUNT, T0, AesGcmSealer, make_managed_policy, make_role

from rolegate.domain.audit_event import AuditEvent
from rolegate.domain.credentials import (
    LoginProfile,
    ServiceSpecificCredential,
    SigningCertificate,
    SshPublicKey,
)
from rolegate.domain.entities import AccessKey, Account, InlinePolicy, Tag, User
from rolegate.domain.group import Group
from rolegate.domain.instance_profile import DeletionTask, InstanceProfile
from rolegate.domain.last_accessed import LastAccessedJob, ServiceUse
from rolegate.domain.managed_policy import OwnerKind, PolicyVersion
from rolegate.domain.mfa import MfaDevice
from rolegate.domain.oidc_provider import OidcProvider, oidc_provider_arn
from rolegate.domain.outbound_federation import OutboundIssuer, SigningKey
from rolegate.domain.password_policy import PasswordPolicy
from rolegate.domain.saml_provider import SamlPrivateKey, SamlProvider
from rolegate.domain.server_certificate import ServerCertificate
from rolegate.store import Conflict, Store, StoreUnavailable, upgrade
from rolegate.store.dialects import create_store_engine, normalize_url
from rolegate.store.migrate import alembic_config, head_revision
from rolegate.store.schema import metadata
from rolegate.store.schema_changes import change_serial


class Boom(Exception):
    pass


def _fill(store: Store) -> None:
    role = make_role("Full", tags=(Tag("k", "v"),))
    with store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        tx.access_keys.create(AccessKey("AKIAFILL", "secret", ACCOUNT, None, "Active", T0))
        tx.roles.create(role)
        tx.role_policies.put(role.role_id, InlinePolicy("P", "{}"))
        user = User(ACCOUNT, "AIDAFILL", "u", "/", f"arn:aws:iam::{ACCOUNT}:user/u", T0)
        tx.users.create(replace(user, tags=(Tag("k", "v"),)))
        tx.user_policies.put(user.user_id, InlinePolicy("P", "{}"))
        serial = f"arn:aws:iam::{ACCOUNT}:mfa/m"
        tx.mfa_devices.create(MfaDevice(ACCOUNT, serial, "m", "/", "JBSWY3DPEHPK3PXP", T0))
        policy = make_managed_policy("Full", tags=(Tag("k", "v"),))
        tx.managed_policies.create(policy, PolicyVersion(1, "{}", T0))
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
        profile_arn = f"arn:aws:iam::{ACCOUNT}:instance-profile/ip"
        profile = InstanceProfile(ACCOUNT, "AIPAFILL", "ip", "/", profile_arn, T0)
        tx.instance_profiles.create(replace(profile, tags=(Tag("k", "v"),)))
        tx.instance_profiles.add_role(profile.instance_profile_id, role.role_id)
        tx.slr_deletion_tasks.create(DeletionTask("task/x", ACCOUNT, "AROAX", "SUCCEEDED", T0))
        tx.account_settings.set_alias(ACCOUNT, "fill")
        tx.account_settings.put_password_policy(ACCOUNT, PasswordPolicy())
        tx.account_settings.set_quota(ACCOUNT, "RolesQuota", 5)
        group = Group(ACCOUNT, "AGPAFILL", "g", "/", f"arn:aws:iam::{ACCOUNT}:group/g", T0)
        tx.groups.create(group)
        tx.groups.add_member(group.group_id, user.user_id)
        tx.group_policies.put(group.group_id, InlinePolicy("P", "{}"))
        saml_arn = f"arn:aws:iam::{ACCOUNT}:saml-provider/s"
        saml = SamlProvider("SAMLFILL", ACCOUNT, "s", saml_arn, "<m/>", "urn:idp", (), T0, None)
        key = SamlPrivateKey("SAMLKEYFILL0000000000000000", T0, "pem")
        tx.saml_providers.create(replace(saml, tags=(Tag("k", "v"),), private_keys=(key,)))
        tx.saml_providers.record_assertion(saml_arn, "_assertion", T0)
        oidc_arn = oidc_provider_arn(ACCOUNT, "issuer.example")
        oidc = OidcProvider("OIDCFILL", ACCOUNT, "issuer.example", oidc_arn, ("a",), (), T0)
        tx.oidc_providers.create(replace(oidc, tags=(Tag("k", "v"),)))
        tx.outbound_federation.create_issuer(OutboundIssuer(ACCOUNT, str(uuid.uuid4()), True, T0))
        tx.outbound_federation.add_key(SigningKey("es384-fill", ACCOUNT, "ES384", "{}", T0), b"k")
        tx.console_guards.end_session("fill", 2**40, 0)
        tx.login_profiles.create(LoginProfile(ACCOUNT, user.user_id, "$argon2id$x", T0, T0))
        tx.ssh_public_keys.create(
            SshPublicKey("APKAFILL", ACCOUNT, user.user_id, "ssh-rsa AAAA", "f" * 47, "Active", T0)
        )
        tx.signing_certificates.create(
            SigningCertificate("CERTFILL", ACCOUNT, None, "pem", "0" * 64, "Active", T0)
        )
        tx.credential_reports.put(ACCOUNT, T0, "user,arn\n")
        tx.service_credentials.create(
            ServiceSpecificCredential(
                "ACCAFILL",
                ACCOUNT,
                user.user_id,
                "codecommit.amazonaws.com",
                "u-at-1",
                "pw",
                "Active",
                T0,
            )
        )
        cert_arn = f"arn:aws:iam::{ACCOUNT}:server-certificate/c"
        tx.server_certificates.create(
            ServerCertificate("ASCAFILL", ACCOUNT, "c", "/", cert_arn, "pem", None, "key", T0, T0)
        )
        tx.last_accessed.record([ServiceUse(ACCOUNT, "AIDAFILL", user.arn, "iam", "", T0, "r")])
        tx.last_accessed.create_job(
            LastAccessedJob("0" * 36, ACCOUNT, user.arn, user.arn, "SERVICE_LEVEL", T0)
        )
        tx.account_settings.put_account_properties(ACCOUNT, {"a/b": "c"})
        tx.account_settings.set_global_endpoint_token_version(ACCOUNT, "v2Token")
        tx.audit_events.insert(
            [
                AuditEvent(
                    str(uuid.uuid4()),
                    ACCOUNT,
                    T0,
                    "CreateRole",
                    "iam.amazonaws.com",
                    "root",
                    "AKIAFILL",
                    False,
                    (("AWS::IAM::Role", "fill"),),
                    "{}",
                )
            ]
        )


def _row_counts(store: Store) -> dict[str, int]:
    """Rows per data table: the change serial's one row is there from the schema's creation."""
    with store.transaction(write=False) as tx:
        return {
            table.name: tx.connection.execute(
                text(f"SELECT count(*) FROM {table.name}")
            ).scalar_one()
            for table in metadata.sorted_tables
            if table is not change_serial
        }


def test_exception_rolls_back_everything(store: Store) -> None:
    serial = store.change_serial()
    with pytest.raises(Boom), store.transaction() as tx:
        tx.accounts.create(Account(ACCOUNT, T0))
        role = make_role("R", tags=(Tag("a", "b"),))
        tx.roles.create(role)
        tx.role_policies.put(role.role_id, InlinePolicy("P", "{}"))
        tx.access_keys.create(AccessKey("AKIAX", "s", ACCOUNT, None, "Active", T0))
        raise Boom
    assert set(_row_counts(store).values()) == {0}
    assert store.change_serial() == serial  # nothing committed: the read caches stay


def test_conflict_escaping_the_transaction_rolls_back_earlier_writes(store: Store) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role("Existing"))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.roles.create(make_role("New"))
        tx.roles.create(make_role("EXISTING"))
    with store.transaction() as tx:
        assert tx.roles.get(ACCOUNT, "New") is None


def test_reset_empties_every_table_and_the_store_stays_usable(store: Store) -> None:
    _fill(store)
    assert all(_row_counts(store).values())
    serial = store.change_serial()
    store.reset()
    assert set(_row_counts(store).values()) == {0}
    assert store.change_serial() > serial + 1  # leapt, not moved by one
    _fill(store)
    assert all(_row_counts(store).values())


def test_open_twice_is_idempotent_and_keeps_data(url: str, sealer: AesGcmSealer) -> None:
    first = Store.open(url, sealer=sealer)
    _fill(first)
    first.close()
    upgrade(url)
    second = Store.open(url, sealer=sealer)
    try:
        with second.transaction() as tx:
            assert tx.roles.get(ACCOUNT, "full") is not None
            key = tx.access_keys.get("AKIAFILL")
            assert key is not None and key.secret_access_key == "secret"
            revision = MigrationContext.configure(tx.connection).get_current_revision()
            assert revision == head_revision()
    finally:
        second.close()


def test_upgrade_command_on_a_new_database_then_open(url: str, sealer: AesGcmSealer) -> None:
    upgrade(url)  # what `rolegate db upgrade` runs
    store = Store.open(url, sealer=sealer)
    try:
        _fill(store)
        assert all(_row_counts(store).values())
    finally:
        store.close()


def test_migrated_schema_matches_the_tables_the_code_queries(store: Store) -> None:
    with store.transaction() as tx:
        diff = compare_metadata(MigrationContext.configure(tx.connection), metadata)
    assert diff == []


def test_downgrade_then_upgrade(url: str, sealer: AesGcmSealer) -> None:
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            command.downgrade(alembic_config(tx.connection), "base")
            tables = set(tx.connection.dialect.get_table_names(tx.connection))
            assert tables <= {"alembic_version"}
            command.upgrade(alembic_config(tx.connection), "head")
        _fill(store)
    finally:
        store.close()


def _open_concurrently(url: str, sealer: AesGcmSealer, openers: int) -> list[BaseException]:
    barrier = threading.Barrier(openers)
    opened: list[Store] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            opened.append(Store.open(url, sealer=sealer))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in opened:
        store.close()
    return errors


def test_concurrent_opens_of_a_fresh_database_all_succeed(url: str, sealer: AesGcmSealer) -> None:
    assert _open_concurrently(url, sealer, 4) == []


def _first_connections(engines: list[Engine]) -> tuple[list[str], list[BaseException]]:
    """Connect every engine at the same instant; the journal modes seen and the errors raised."""
    barrier = threading.Barrier(len(engines))
    modes: list[str] = []
    errors: list[BaseException] = []

    def connect(engine: Engine) -> None:
        barrier.wait()
        try:
            with engine.connect() as conn:
                modes.append(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=connect, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    return modes, errors


def test_concurrent_first_connections_to_a_new_sqlite_file_survive_the_wal_switch(
    tmp_path: Path,
) -> None:
    """The first switch to WAL answers SQLITE_BUSY without waiting; connecting must retry it."""
    for attempt in range(20):
        engines = [create_store_engine(f"sqlite:///{tmp_path}/new{attempt}.db") for _ in range(6)]
        modes, errors = _first_connections(engines)
        assert errors == []
        assert modes == ["wal"] * len(engines)


def test_dialect_name(store: Store, backend: str) -> None:
    assert store.dialect_name == backend


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/settings.db", sealer=AesGcmSealer())
    try:
        with store.transaction() as tx:
            pragma = tx.connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar_one() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar_one() == 1
            assert pragma("PRAGMA synchronous").scalar_one() == 2  # FULL
            assert pragma("PRAGMA busy_timeout").scalar_one() >= 1000
    finally:
        store.close()


def test_sqlite_reader_does_not_wait_for_an_open_writer(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/rw.db", sealer=AesGcmSealer())
    writing, done = threading.Event(), threading.Event()

    def writer() -> None:
        with store.transaction() as tx:
            tx.roles.create(make_role("Uncommitted"))
            writing.set()
            done.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        with store.transaction(write=False) as tx:  # plain BEGIN: WAL readers never block
            assert tx.roles.get(ACCOUNT, "Uncommitted") is None
    finally:
        done.set()
        thread.join()
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "Uncommitted") is not None
    store.close()


def test_unreachable_postgresql_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable):
        Store.open("postgresql://postgres@127.0.0.1:1/nothing", sealer=AesGcmSealer())


def test_unopenable_sqlite_file_is_store_unavailable(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir"
    with pytest.raises(StoreUnavailable):
        Store.open(f"sqlite:///{missing_dir}/x.db", sealer=AesGcmSealer())


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "not a url", "sqlite+aiosqlite:///x"],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        normalize_url(url)


def test_postgresql_urls_use_psycopg3() -> None:
    assert (
        normalize_url("postgresql://u:p%40ss@db.example:5433/rg?sslmode=require")
        == "postgresql+psycopg://u:p%40ss@db.example:5433/rg?sslmode=require"
    )
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert (
        normalize_url("sqlite:////var/lib/rolegate/db.sqlite")
        == "sqlite:////var/lib/rolegate/db.sqlite"
    )


def test_sqlite_write_in_a_read_transaction_after_a_concurrent_commit_is_unavailable(
    tmp_path: Path,
) -> None:
    """Why write transactions begin IMMEDIATE: a read transaction whose snapshot is stale cannot
    become a writer (SQLITE_BUSY_SNAPSHOT, no waiting helps). It surfaces as StoreUnavailable."""
    store = Store.open(f"sqlite:///{tmp_path}/upgrade.db", sealer=AesGcmSealer())
    try:
        with pytest.raises(StoreUnavailable), store.transaction(write=False) as tx:
            assert tx.roles.count(ACCOUNT) == 0  # the read snapshot starts here
            other = threading.Thread(target=lambda: _create(store, "FromOtherWriter"))
            other.start()
            other.join()
            tx.roles.create(make_role("Upgrader"))
        with store.transaction() as tx:  # the same code in a write transaction just works
            assert tx.roles.count(ACCOUNT) == 1
            tx.roles.create(make_role("Upgrader"))
    finally:
        store.close()


def _create(store: Store, name: str) -> None:
    with store.transaction() as tx:
        tx.roles.create(make_role(name))
