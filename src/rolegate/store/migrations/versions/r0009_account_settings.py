"""Account aliases, password policy and per-account quota overrides.

Revision ID: r0009
Revises: r0008

Reserved in the revision chain so that work on each feature can land in any order; the
feature's owner fills in upgrade() and downgrade().
"""

from __future__ import annotations

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
