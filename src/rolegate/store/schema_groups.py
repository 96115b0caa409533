"""IAM groups, their members and their inline policies (revision ``r0006``).

Kept apart from ``schema.py`` but on the same ``metadata``. Managed policies attached to a group
live in the generic ``policy_attachments`` (owner kind ``group``), which finds this table by its
name (``groups``) and columns (``group_id``, ``group_name``, ``path``).

``group_members`` has foreign keys without cascade on both sides: IAM refuses DeleteGroup while
the group has members and DeleteUser while the user is in a group (both DeleteConflict), so a
membership row can never be orphaned.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from rolegate.store.schema import (
    ACCOUNT_ID,
    ARN,
    ENTITY_ID,
    inline_policy_table,
    metadata,
    users,
)
from rolegate.store.types import UtcTimestamp, sort_key_type

groups = Table(
    "groups",
    metadata,
    Column("group_id", ENTITY_ID, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("group_name", String(128), nullable=False),
    Column("name_key", sort_key_type(512), nullable=False),  # lower(group_name)
    Column("path", String(512), nullable=False),
    Column("arn", ARN, nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    # Unique per account without regard to case
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); ListGroups pages
    # on it.
    Index("ux_groups_account_name", "account_id", "name_key", unique=True),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", ENTITY_ID, ForeignKey(groups.c.group_id), primary_key=True),
    Column("user_id", ENTITY_ID, ForeignKey(users.c.user_id), primary_key=True),
    # ListGroupsForUser, the groups-per-user quota and the groups' policies of a caller.
    Index("ix_group_members_user", "user_id"),
)

group_policies = inline_policy_table("group_policies", groups, "group_id")
