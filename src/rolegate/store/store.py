"""The Store: an engine, migrations on open, and one transaction per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from rolegate.store.dialects import WRITE_OPTION, create_store_engine
from rolegate.store.errors import StoreUnavailable
from rolegate.store.group_commit import GroupCommitter
from rolegate.store.migrate import upgrade_engine
from rolegate.store.repos.access_keys import AccessKeyRepo, Sealer
from rolegate.store.repos.account_settings import AccountSettingsRepo
from rolegate.store.repos.accounts import AccountRepo
from rolegate.store.repos.groups import GroupRepo
from rolegate.store.repos.inline_policies import InlinePolicyRepo
from rolegate.store.repos.instance_profiles import InstanceProfileRepo
from rolegate.store.repos.managed_policies import ManagedPolicyRepo
from rolegate.store.repos.mfa_devices import MfaDeviceRepo
from rolegate.store.repos.oidc_providers import OidcProviderRepo
from rolegate.store.repos.policy_attachments import PolicyAttachmentRepo
from rolegate.store.repos.roles import RoleRepo
from rolegate.store.repos.saml_providers import SamlProviderRepo
from rolegate.store.repos.slr_deletion_tasks import DeletionTaskRepo
from rolegate.store.repos.users import UserRepo
from rolegate.store.schema import metadata, role_policies, user_policies
from rolegate.store.schema_groups import group_policies

# Errors that mean "the database is not answering", not "your statement is wrong".
_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


class Tx:
    """The repositories of one open transaction. Valid only inside ``Store.transaction()``."""

    __slots__ = (
        "access_keys",
        "account_settings",
        "accounts",
        "connection",
        "group_policies",
        "groups",
        "instance_profiles",
        "managed_policies",
        "mfa_devices",
        "oidc_providers",
        "policy_attachments",
        "role_policies",
        "roles",
        "saml_providers",
        "slr_deletion_tasks",
        "user_policies",
        "users",
    )

    def __init__(self, connection: Connection, sealer: Sealer) -> None:
        self.connection = connection
        self.accounts = AccountRepo(connection)
        self.access_keys = AccessKeyRepo(connection, sealer)
        self.roles = RoleRepo(connection)
        self.role_policies = InlinePolicyRepo(connection, role_policies)
        self.instance_profiles = InstanceProfileRepo(connection)
        self.slr_deletion_tasks = DeletionTaskRepo(connection)
        self.managed_policies = ManagedPolicyRepo(connection)
        self.policy_attachments = PolicyAttachmentRepo(connection)
        self.users = UserRepo(connection)
        self.user_policies = InlinePolicyRepo(connection, user_policies)
        self.mfa_devices = MfaDeviceRepo(connection, sealer)
        self.account_settings = AccountSettingsRepo(connection)
        self.groups = GroupRepo(connection)
        self.group_policies = InlinePolicyRepo(connection, group_policies)
        self.saml_providers = SamlProviderRepo(connection)
        self.oidc_providers = OidcProviderRepo(connection)


class Store:
    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self._engine = engine
        self._sealer = sealer
        self.dialect_name: str = engine.dialect.name
        # SQLite: this process's writers share COMMITs (store.group_commit); PostgreSQL commits
        # concurrently by itself.
        self._group = GroupCommitter(engine) if self.dialect_name == "sqlite" else None

    @classmethod
    def open(cls, url: str, *, sealer: Sealer) -> Store:
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
        return cls(engine, sealer)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        """One database transaction: committed on normal exit, rolled back on any exception.

        ``write=False`` marks a transaction that only reads. On SQLite it then starts with a
        plain ``BEGIN`` instead of ``BEGIN IMMEDIATE`` and runs alongside a writer; a write
        attempted in it may fail with StoreUnavailable when another writer holds the lock.
        SQLite write transactions are savepoints of a shared transaction, committed (and
        returned from) together: see :mod:`rolegate.store.group_commit`.
        """
        try:
            if write and self._group is not None:
                with self._group.transaction() as conn:
                    yield Tx(conn, self._sealer)
                return
            with self._engine.connect() as conn:
                if not write:
                    conn.execution_options(**{WRITE_OPTION: False})
                with conn.begin():
                    yield Tx(conn, self._sealer)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(str(getattr(exc, "orig", None) or exc)) from exc

    def reset(self) -> None:
        """Delete every row of every table (the schema and its revision stay)."""
        with self.transaction() as tx:
            for table in reversed(metadata.sorted_tables):
                tx.connection.execute(delete(table))

    def close(self) -> None:
        self._engine.dispose()
