"""SAML identity providers with metadata, certificates and tags; seen assertion ids.

Revision ID: r0008
Revises: r0007

Reserved in the revision chain so that work on each feature can land in any order; the
feature's owner fills in upgrade() and downgrade().
"""

from __future__ import annotations

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
