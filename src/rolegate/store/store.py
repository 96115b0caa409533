"""The Store: an engine, migrations on open, and one transaction per unit of work."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import delete
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from rolegate.store import change_serial as changes
from rolegate.store.cached_repos import (
    CachedAccessKeyRepo,
    CachedIdentityPolicyRepo,
    CachedManagedPolicyRepo,
    CachedReads,
    CachedRoleRepo,
    CachedUserRepo,
)
from rolegate.store.change_slot import TRUST_SECONDS, ChangeSlot, sqlite_word
from rolegate.store.dialects import WRITE_OPTION, create_store_engine
from rolegate.store.errors import CommitAndRaise, NeedsDatabase, StoreUnavailable
from rolegate.store.freshness import Freshness
from rolegate.store.group_commit import GroupCommitter
from rolegate.store.lazy import lazy_connection
from rolegate.store.loop_probe import LoopProbe
from rolegate.store.migrate import upgrade_engine
from rolegate.store.readers import ReadConnections
from rolegate.store.repos.access_keys import AccessKeyRepo, Sealer
from rolegate.store.repos.account_details import AccountDetailsRepo
from rolegate.store.repos.account_settings import AccountSettingsRepo
from rolegate.store.repos.accounts import AccountRepo
from rolegate.store.repos.audit_events import AuditEventRepo
from rolegate.store.repos.console_guards import ConsoleGuardRepo
from rolegate.store.repos.credential_reports import CredentialReportRepo
from rolegate.store.repos.groups import GroupRepo
from rolegate.store.repos.identity_policies import IdentityPolicyRepo
from rolegate.store.repos.inline_policies import InlinePolicyRepo
from rolegate.store.repos.instance_profiles import InstanceProfileRepo
from rolegate.store.repos.last_accessed import LastAccessedRepo
from rolegate.store.repos.login_profiles import LoginProfileRepo
from rolegate.store.repos.managed_policies import ManagedPolicyRepo
from rolegate.store.repos.mfa_devices import MfaDeviceRepo
from rolegate.store.repos.oidc_providers import OidcProviderRepo
from rolegate.store.repos.outbound_federation import OutboundFederationRepo
from rolegate.store.repos.policy_attachments import PolicyAttachmentRepo
from rolegate.store.repos.principals import PrincipalRepo
from rolegate.store.repos.roles import RoleRepo
from rolegate.store.repos.saml_providers import SamlProviderRepo
from rolegate.store.repos.server_certificates import ServerCertificateRepo
from rolegate.store.repos.service_credentials import ServiceCredentialRepo
from rolegate.store.repos.slr_deletion_tasks import DeletionTaskRepo
from rolegate.store.repos.user_keys import SigningCertificateRepo, SshPublicKeyRepo
from rolegate.store.repos.users import UserRepo
from rolegate.store.schema import metadata, role_policies, user_policies
from rolegate.store.schema_changes import change_serial as change_serial_table
from rolegate.store.schema_groups import group_policies

# Errors that mean "the database is not answering", not "your statement is wrong".
_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


class Tx:
    """The repositories of one open transaction. Valid only inside ``Store.transaction()``.

    Each repository is built on first use: a request touches two or three of them.
    """

    def __init__(
        self, connection: Connection, sealer: Sealer, cached: CachedReads | None = None
    ) -> None:
        self.connection = connection
        self._sealer = sealer
        # Read transactions: the process's read cache (store.cached_repos); None when writing.
        self._cached = cached

    @cached_property
    def accounts(self) -> AccountRepo:
        return AccountRepo(self.connection)

    @cached_property
    def account_details(self) -> AccountDetailsRepo:
        return AccountDetailsRepo(self.connection)

    @cached_property
    def access_keys(self) -> AccessKeyRepo:
        if self._cached is not None:
            return CachedAccessKeyRepo(self.connection, self._sealer, self._cached)
        return AccessKeyRepo(self.connection, self._sealer)

    @cached_property
    def roles(self) -> RoleRepo:
        if self._cached is not None:
            return CachedRoleRepo(self.connection, self._cached)
        return RoleRepo(self.connection)

    @cached_property
    def role_policies(self) -> InlinePolicyRepo:
        return InlinePolicyRepo(self.connection, role_policies)

    @cached_property
    def instance_profiles(self) -> InstanceProfileRepo:
        return InstanceProfileRepo(self.connection)

    @cached_property
    def slr_deletion_tasks(self) -> DeletionTaskRepo:
        return DeletionTaskRepo(self.connection)

    @cached_property
    def managed_policies(self) -> ManagedPolicyRepo:
        if self._cached is not None:
            return CachedManagedPolicyRepo(self.connection, self._cached)
        return ManagedPolicyRepo(self.connection)

    @cached_property
    def policy_attachments(self) -> PolicyAttachmentRepo:
        return PolicyAttachmentRepo(self.connection)

    @cached_property
    def users(self) -> UserRepo:
        if self._cached is not None:
            return CachedUserRepo(self.connection, self._cached)
        return UserRepo(self.connection)

    @cached_property
    def user_policies(self) -> InlinePolicyRepo:
        return InlinePolicyRepo(self.connection, user_policies)

    @cached_property
    def mfa_devices(self) -> MfaDeviceRepo:
        return MfaDeviceRepo(self.connection, self._sealer)

    @cached_property
    def login_profiles(self) -> LoginProfileRepo:
        return LoginProfileRepo(self.connection)

    @cached_property
    def ssh_public_keys(self) -> SshPublicKeyRepo:
        return SshPublicKeyRepo(self.connection)

    @cached_property
    def signing_certificates(self) -> SigningCertificateRepo:
        return SigningCertificateRepo(self.connection)

    @cached_property
    def service_credentials(self) -> ServiceCredentialRepo:
        return ServiceCredentialRepo(self.connection, self._sealer)

    @cached_property
    def server_certificates(self) -> ServerCertificateRepo:
        return ServerCertificateRepo(self.connection, self._sealer)

    @cached_property
    def last_accessed(self) -> LastAccessedRepo:
        return LastAccessedRepo(self.connection)

    @cached_property
    def credential_reports(self) -> CredentialReportRepo:
        return CredentialReportRepo(self.connection)

    @cached_property
    def account_settings(self) -> AccountSettingsRepo:
        return AccountSettingsRepo(self.connection)

    @cached_property
    def groups(self) -> GroupRepo:
        return GroupRepo(self.connection)

    @cached_property
    def identity_policies(self) -> IdentityPolicyRepo:
        if self._cached is not None:
            return CachedIdentityPolicyRepo(self.connection, self._cached)
        return IdentityPolicyRepo(self.connection)

    @cached_property
    def principals(self) -> PrincipalRepo:
        return PrincipalRepo(self.connection)

    @cached_property
    def group_policies(self) -> InlinePolicyRepo:
        return InlinePolicyRepo(self.connection, group_policies)

    @cached_property
    def saml_providers(self) -> SamlProviderRepo:
        return SamlProviderRepo(self.connection, self._sealer)

    @cached_property
    def oidc_providers(self) -> OidcProviderRepo:
        return OidcProviderRepo(self.connection)

    @cached_property
    def outbound_federation(self) -> OutboundFederationRepo:
        return OutboundFederationRepo(self.connection, self._sealer)

    @cached_property
    def console_guards(self) -> ConsoleGuardRepo:
        return ConsoleGuardRepo(self.connection)

    @cached_property
    def audit_events(self) -> AuditEventRepo:
        return AuditEventRepo(self.connection)


class Store:
    def __init__(self, engine: Engine, sealer: Sealer, change_word: str | None = None) -> None:
        """``change_word``: where the node's change word is on PostgreSQL (``store.change_slot``;
        SQLite's is beside its file); without one every read transaction asks the database."""
        self._engine = engine
        self._sealer = sealer
        self.dialect_name: str = engine.dialect.name
        # SQLite: this process's writers share COMMITs (store.group_commit); PostgreSQL commits
        # concurrently by itself.
        self._group = GroupCommitter(engine) if self.dialect_name == "sqlite" else None
        # SQLite: read transactions reuse connections (store.readers); PostgreSQL's come from
        # the pool, which checks them (pool_pre_ping) after a restart of the server.
        self._readers = ReadConnections(engine) if self.dialect_name == "sqlite" else None
        # What read transactions may answer from memory, and for how long (store.freshness).
        self.freshness = Freshness()
        self._probe_connection: Any = None  # the cache probe's own (store.freshness)
        # SQLite: the probe's last (data_version, serial), the serial known while the first holds
        self._probe_seen: tuple[int, int] | None = None
        self._no_serial = 0  # what the probe answers, each time anew, when the row is missing
        # The word the processes sharing it rewrite after their changes (store.change_slot), and
        # (its value before the last full probe, that probe's serial, until when they hold)
        database = engine.url.database if self.dialect_name == "sqlite" else None
        if database:
            self._slot = ChangeSlot.open(sqlite_word(database), database)
        else:
            self._slot = ChangeSlot.open(change_word) if change_word else None
        self._trusted: tuple[int, int, float] | None = None
        self._probe_lock = threading.Lock()
        # PostgreSQL: the serial read from an event loop (store.loop_probe), made on first use
        self._loop_probe: LoopProbe | None = None

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for instrumentation and readiness checks, not for queries)."""
        return self._engine

    @classmethod
    def open(cls, url: str, *, sealer: Sealer, change_word: str | None = None) -> Store:
        """Connect to ``url`` and migrate the schema to the newest revision."""
        engine = create_store_engine(url)
        try:
            upgrade_engine(engine)
        except _UNAVAILABLE as exc:
            engine.dispose()
            raise StoreUnavailable(f"cannot open the database: {exc}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, sealer, change_word)

    async def serial_on_loop(self) -> int | None:
        """For a cache-only read transaction on an event loop (``server.inline``): the change
        serial for ``transaction(serial=...)``, read without blocking the loop
        (``store.loop_probe``) on PostgreSQL; None on SQLite, whose check inside the transaction
        is a local call. Raises ``LoopProbeFailed``: run the request on a thread."""
        if self.dialect_name == "sqlite":
            return None
        mark = self._mark()
        trusted = self._trusted_serial(mark)
        if trusted is not None:  # no round trip while the node's change word holds
            return trusted
        if self._loop_probe is None:
            self._loop_probe = LoopProbe(self._engine.url)
        serial = await self._loop_probe.serial()
        self._trust(mark, serial)
        return serial

    async def close_loop_probe(self) -> None:
        """Close the event loop's probe connection (on the loop, before ``close``)."""
        probe, self._loop_probe = self._loop_probe, None
        if probe is not None:
            await probe.close()

    @contextmanager
    def transaction(
        self,
        write: bool = True,
        *,
        cache_only: bool = False,
        counts_as_change: bool = True,
        serial: int | None = None,
    ) -> Iterator[Tx]:
        """One database transaction: committed on normal exit, rolled back on any exception but
        ``CommitAndRaise(error)``, which commits and then raises ``error``.

        ``write=False`` marks a transaction that only reads. On SQLite it then starts with a
        plain ``BEGIN`` instead of ``BEGIN IMMEDIATE`` and runs alongside a writer; a write
        attempted in it may fail with StoreUnavailable when another writer holds the lock.
        SQLite write transactions are savepoints of a shared transaction, committed (and
        returned from) together: see :mod:`rolegate.store.group_commit`. A read transaction
        answers the access key, principal and policy reads of :mod:`rolegate.store.cached_repos`
        from this process's cache while the database is unchanged (:mod:`rolegate.store.freshness`).

        ``cache_only=True`` (read transactions only) raises :class:`NeedsDatabase` where the
        transaction would first send a statement (a cache miss or a write), before it has
        changed anything: the caller redoes the work in a normal transaction. ``serial``: the
        change serial read since the request began (``serial_on_loop``), used instead of
        reading it here.

        A write transaction moves the change serial (:mod:`rolegate.store.change_serial`) just
        before it commits, unless ``counts_as_change=False`` says it writes nothing a read cache
        holds (audit events); so does a read transaction that wrote a last-used date.
        """
        if cache_only and write:
            raise NeedsDatabase
        kept: CommitAndRaise | None = None
        cached: CachedReads | None = None
        try:
            try:
                # Before the transaction reads anything: what it reads is never older.
                if write:
                    cached = None
                elif serial is None:
                    cached = CachedReads(self.freshness, self._generation())
                else:
                    cached = CachedReads(self.freshness, self.freshness.observe(serial))
                with self._connection(write, cache_only) as conn:
                    try:
                        yield Tx(conn, self._sealer, cached)
                    except CommitAndRaise as refusal:
                        kept = refusal
                    if write and counts_as_change:
                        changes.bump(conn)
                    elif cached is not None and cached.wrote:  # a last-used date
                        changes.bump_best_effort(conn)
            finally:
                # committed (or not) before the request is answered; audit events
                # (``counts_as_change=False``) are nothing a cache holds
                if (write and counts_as_change) or (cached is not None and cached.wrote):
                    self.freshness.bump()
                    slot = self._slot  # None once closed
                    if slot is not None:  # the other processes' next probe asks
                        slot.announce()
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(str(getattr(exc, "orig", None) or exc)) from exc
        if kept is not None:
            raise kept.error

    @contextmanager
    def _connection(self, write: bool, cache_only: bool = False) -> Iterator[Connection]:
        """A connection in an open transaction, committed when the block ends normally."""
        if write and self._group is not None:
            with self._group.transaction() as conn:
                yield conn
            return
        if not write:
            checkout = _no_checkout if cache_only else self._read_checkout
            with lazy_connection(checkout) as conn:
                yield conn
            return
        with self._engine.connect() as conn:
            if not write:
                conn.execution_options(**{WRITE_OPTION: False})
            with conn.begin():
                yield conn

    def change_serial(self) -> int:
        """The database's change serial now (:mod:`rolegate.store.change_serial`): equal values
        mean nothing a read cache holds has changed in between."""
        return self._probe()

    def _generation(self) -> int:
        """The read cache's generation as of now (store.freshness)."""
        return self.freshness.observe(self._probe())

    def _probe(self) -> int:
        """The change serial, read on a connection of the probe's own: in autocommit on
        PostgreSQL (one round trip, and a fully cached read transaction needs no other
        connection). On SQLite the probe first asks ``PRAGMA data_version``, which moves when
        another connection commits (https://www.sqlite.org/pragma.html#pragma_data_version):
        while it stands still, so does the serial, and no statement is needed. Before either, the
        change word (``store.change_slot``): unchanged since a probe less than ``TRUST_SECONDS``
        ago, no process sharing it has committed a change since, and the database is not asked."""
        sqlite = self.dialect_name == "sqlite"
        with self._probe_lock:
            mark = self._mark()
            trusted = self._trusted_serial(mark)
            if trusted is not None:
                return trusted
            try:
                if self._probe_connection is None:
                    probe = self._engine.raw_connection()
                    if not sqlite:
                        probe.driver_connection.autocommit = True  # type: ignore[union-attr]
                    self._probe_connection, self._probe_seen = probe, None
                cursor = self._probe_connection.cursor()
                try:
                    if sqlite:
                        cursor.execute(changes.SQLITE_DATA_VERSION)
                        version = cursor.fetchone()[0]
                        seen = self._probe_seen
                        if seen is not None and version == seen[0]:
                            self._trust(mark, seen[1])
                            return seen[1]
                    cursor.execute(changes.PROBE_SQL)
                    row = cursor.fetchone()
                    if row is None:  # no serial row (a damaged schema): never trust the cache
                        self._probe_seen = self._trusted = None
                        self._no_serial -= 1
                        return self._no_serial
                    serial = int(row[0])
                    if sqlite:
                        self._probe_seen = (version, serial)
                    self._trust(mark, serial)
                    return serial
                finally:
                    cursor.close()
            except Exception as exc:  # the next probe opens a new connection
                self._trusted = None
                self._drop_probe()
                raise sa_exc.OperationalError(changes.PROBE_SQL, None, exc) from exc

    def _mark(self) -> int:
        """The change word's value now (0 without a word, or once the store is closed)."""
        slot = self._slot
        return slot.read() if slot is not None else 0

    def _trusted_serial(self, mark: int) -> int | None:
        """The last full probe's serial while the change word still holds ``mark``, the value
        read before that probe, and the probe is less than ``TRUST_SECONDS`` old; else None."""
        trusted = self._trusted
        if trusted is None or self._slot is None or mark != trusted[0]:
            return None
        return trusted[1] if time.monotonic() < trusted[2] else None

    def _trust(self, mark: int, serial: int) -> None:
        """A full probe read ``serial`` after the word showed ``mark``: one tuple, so a thread
        and the loop probing at once never mix their answers."""
        self._trusted = (mark, serial, time.monotonic() + TRUST_SECONDS)

    def _drop_probe(self) -> None:
        probe, self._probe_connection = self._probe_connection, None
        if probe is not None:
            try:
                probe.invalidate()  # never back to the pool (autocommit on PostgreSQL)
            except Exception:  # already broken: nothing more to release
                pass

    @contextmanager
    def _read_checkout(self) -> Iterator[Connection]:
        """A connection for a read transaction (not yet begun)."""
        if self._readers is not None:
            with self._readers.connection() as conn:
                yield conn
            return
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: False})
            yield conn

    def reset(self) -> None:
        """Delete every row of every table (the schema, its revision and the change serial, moved
        on, stay)."""
        with self.transaction() as tx:
            for table in reversed(metadata.sorted_tables):
                if table is not change_serial_table:
                    tx.connection.execute(delete(table))
            changes.leap(tx.connection)

    def close(self) -> None:
        if self._loop_probe is not None:  # not closed on its loop (close_loop_probe)
            self._loop_probe.abandon()
            self._loop_probe = None
        with self._probe_lock:
            self._drop_probe()
            self._slot = None  # unmapped when collected: a transaction may still announce
        if self._readers is not None:
            self._readers.close()
        self._engine.dispose()


def _no_checkout() -> AbstractContextManager[Connection]:
    """A cache-only read transaction's connection: there is none (``Store.transaction``)."""
    raise NeedsDatabase
