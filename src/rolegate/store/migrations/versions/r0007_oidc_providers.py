"""OpenID Connect identity providers with client ids, thumbprints and tags.

Revision ID: r0007
Revises: r0006

Reserved in the revision chain so that work on each feature can land in any order; the
feature's owner fills in upgrade() and downgrade().
"""

from __future__ import annotations

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
