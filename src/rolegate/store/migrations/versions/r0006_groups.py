"""Groups: groups, group members, group inline policies.

Revision ID: r0006
Revises: r0005

Reserved in the revision chain so that work on each feature can land in any order; the
feature's owner fills in upgrade() and downgrade().
"""

from __future__ import annotations

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
