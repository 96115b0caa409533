"""Storage on SQLite or PostgreSQL: SQLAlchemy Core, Alembic migrations, one repo per family.

store = Store.open("sqlite:///data/rolegate.db", sealer=keyring)
with store.transaction() as tx:
    tx.roles.create(role)
"""

from rolegate.store.errors import (
    CommitAndRaise,
    Conflict,
    InvalidMarker,
    NeedsDatabase,
    StoreUnavailable,
)
from rolegate.store.loop_probe import LoopProbeFailed
from rolegate.store.migrate import upgrade
from rolegate.store.page import Page, decode_marker, encode_marker
from rolegate.store.repos.access_keys import AccessKeyRepo, Sealer
from rolegate.store.repos.accounts import AccountRepo
from rolegate.store.repos.audit_events import AuditEventRepo, AuditQuery
from rolegate.store.repos.inline_policies import InlinePolicyRepo
from rolegate.store.repos.managed_policies import ManagedPolicyRepo
from rolegate.store.repos.policy_attachments import PolicyAttachmentRepo, PolicyEntity
from rolegate.store.repos.roles import RoleRepo
from rolegate.store.repos.users import UserRepo
from rolegate.store.store import Store, Tx

__all__ = [
    "AccessKeyRepo",
    "AccountRepo",
    "AuditEventRepo",
    "AuditQuery",
    "CommitAndRaise",
    "Conflict",
    "InlinePolicyRepo",
    "InvalidMarker",
    "LoopProbeFailed",
    "ManagedPolicyRepo",
    "NeedsDatabase",
    "Page",
    "PolicyAttachmentRepo",
    "PolicyEntity",
    "RoleRepo",
    "Sealer",
    "Store",
    "StoreUnavailable",
    "Tx",
    "UserRepo",
    "decode_marker",
    "encode_marker",
    "upgrade",
]
