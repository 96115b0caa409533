"""Instance profiles and service-linked role deletion tasks as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rolegate.domain.entities import Role, Tag


@dataclass(frozen=True, slots=True)
class InstanceProfile:
    """A container for one IAM role that EC2 passes to an instance
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html).
    ``roles`` holds zero or one role."""

    account_id: str
    instance_profile_id: str  # AIPA…
    instance_profile_name: str
    path: str
    arn: str
    create_date: datetime
    roles: tuple[Role, ...] = field(default=())
    tags: tuple[Tag, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RoleUsage:
    """Where a linked service still uses a service-linked role (the ``RoleUsageType`` shape)."""

    region: str
    resources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeletionTask:
    """A DeleteServiceLinkedRole request
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html, "Deleting a
    service-linked role"). ``reason``/``role_usage`` are set when ``status`` is FAILED."""

    deletion_task_id: str
    account_id: str
    role_id: str
    status: str  # NOT_STARTED | IN_PROGRESS | SUCCEEDED | FAILED
    create_date: datetime
    reason: str | None = None
    role_usage: tuple[RoleUsage, ...] = field(default=())
