"""Helpers shared by the store contract tests (entities and a real AEAD sealer)."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rolegate.domain.audit_event import AuditEvent
from rolegate.domain.entities import Role, Tag
from rolegate.domain.managed_policy import ManagedPolicy, policy_arn

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


class AesGcmSealer:
    """A real AEAD sealer for tests (the production one is rolegate.auth.keyring.KeyRing)."""

    def __init__(self) -> None:
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, purpose.encode() + b"\0" + aad)

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], purpose.encode() + b"\0" + aad)


def make_role(
    name: str,
    *,
    account_id: str = ACCOUNT,
    role_id: str | None = None,
    path: str = "/",
    tags: tuple[Tag, ...] = (),
) -> Role:
    return Role(
        account_id=account_id,
        role_id=role_id or f"AROA{secrets.token_hex(8).upper()}",
        role_name=name,
        path=path,
        arn=f"arn:aws:iam::{account_id}:role{path}{name}",
        create_date=T0,
        assume_role_policy_document='{"Version":"2012-10-17","Statement":[]}',
        tags=tags,
    )


def make_managed_policy(
    name: str,
    *,
    account_id: str = ACCOUNT,
    path: str = "/",
    tags: tuple[Tag, ...] = (),
    is_attachable: bool = True,
) -> ManagedPolicy:
    return ManagedPolicy(
        account_id=account_id,
        policy_id=f"ANPA{secrets.token_hex(8).upper()}",
        policy_name=name,
        path=path,
        arn=policy_arn(account_id, path, name),
        create_date=T0,
        update_date=T0,
        default_version=1,
        latest_version=1,
        is_attachable=is_attachable,
        tags=tags,
    )


def make_audit_event(n: int, seconds: int, account: str = ACCOUNT) -> AuditEvent:
    """A GetRole event numbered ``n`` (its id), ``seconds`` after T0."""
    return AuditEvent(
        f"00000000-0000-4000-8000-{n:012d}",
        account,
        T0 + timedelta(seconds=seconds),
        "GetRole",
        "iam.amazonaws.com",
        None,
        None,
        True,
        (),
        "{}",
    )
