"""Instance profiles with their role and tags, and service-linked role deletion tasks.

Kept apart from ``schema.py`` but on the same ``metadata`` (revision ``r0005``).

An instance profile holds at most one role
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
"InstanceSessionsPerInstanceProfile"), so ``instance_profile_roles`` is keyed by the profile alone:
of two concurrent AddRoleToInstanceProfile calls exactly one row can be inserted. The foreign key to
``roles`` has no cascade: DeleteRole refuses while the role is in a profile.

A deletion task outlives its role (GetServiceLinkedRoleDeletionStatus answers after the role is
gone), so ``slr_deletion_tasks`` names the role without a foreign key.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, ENTITY_ID, metadata, roles, tag_table
from rolegate.store.types import UtcTimestamp, sort_key_type

instance_profiles = Table(
    "instance_profiles",
    metadata,
    Column("instance_profile_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("instance_profile_name", String(128), nullable=False),
    Column("name_key", sort_key_type(512), nullable=False),  # lower(instance_profile_name)
    Column("path", String(512), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    # Unique per account without regard to case; ListInstanceProfiles pages on this index.
    Index("ux_instance_profiles_account_name", "account_id", "name_key", unique=True),
)

instance_profile_roles = Table(
    "instance_profile_roles",
    metadata,
    Column(
        "instance_profile_id",
        ENTITY_ID,
        ForeignKey(instance_profiles.c.instance_profile_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role_id", ENTITY_ID, ForeignKey(roles.c.role_id), nullable=False),
    Index("ix_instance_profile_roles_role", "role_id"),
)

instance_profile_tags = tag_table("instance_profile_tags", instance_profiles, "instance_profile_id")

slr_deletion_tasks = Table(
    "slr_deletion_tasks",
    metadata,
    # task/aws-service-role/<service principal>/<role name>/<uuid>
    Column("deletion_task_id", String(512), primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("role_id", ENTITY_ID, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text(), nullable=True),  # JSON: {"Reason": ..., "RoleUsageList": [...]}
    Column("create_date", UtcTimestamp(), nullable=False),
    Index("ix_slr_deletion_tasks_role", "account_id", "role_id"),
)
