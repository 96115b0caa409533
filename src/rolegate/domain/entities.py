"""Entities as frozen dataclasses. Times are timezone-aware UTC ``datetime`` values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    create_date: datetime


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A long-term access key. ``user_name`` is None for the account's root user."""

    access_key_id: str
    secret_access_key: str
    account_id: str
    user_name: str | None
    status: str  # "Active" | "Inactive"
    create_date: datetime
    # The last authenticated use (GetAccessKeyLastUsed), None until the key is first used.
    last_used_date: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(frozen=True, slots=True)
class Role:
    account_id: str
    role_id: str
    role_name: str
    path: str
    arn: str
    create_date: datetime
    assume_role_policy_document: str  # the JSON text as the client sent it
    description: str | None = None
    max_session_duration: int = 3600
    permissions_boundary_arn: str | None = None
    tags: tuple[Tag, ...] = field(default=())
    last_used_date: datetime | None = None
    last_used_region: str | None = None


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    """A policy embedded in one principal (role, user or group), named by ``policy_name``."""

    policy_name: str
    policy_document: str


@dataclass(frozen=True, slots=True)
class User:
    account_id: str
    user_id: str  # AIDA…
    user_name: str
    path: str
    arn: str
    create_date: datetime
    permissions_boundary_arn: str | None = None
    tags: tuple[Tag, ...] = field(default=())
