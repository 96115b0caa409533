"""Entities as frozen dataclasses. Times are timezone-aware UTC ``datetime`` values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: A stored resource policy's user and role principals as IAM keeps them: (the ARN as written in the
#: policy, the unique id AIDA…/AROA… it named when the policy was stored; "" when it named no one
#: any more), in the document's order
#: (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
PrincipalIds = tuple[tuple[str, str], ...]


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
    trust_principal_ids: PrincipalIds = field(default=())  # the trust policy's, as stored


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
