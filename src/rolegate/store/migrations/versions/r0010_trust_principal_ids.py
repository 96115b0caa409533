"""Trust policies bind their user and role principals to unique ids (issue 13, finding 3).

IAM stores a trust policy's user and role ARNs as the principals' unique ids
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html);
``roles.trust_principal_ids`` keeps those bindings next to the text as submitted. Roles written
before this revision bound nothing: their ARNs matched whoever held the name at each request. The
upgrade binds each such ARN (of an account the server holds) to the user or role that holds it now,
which is the principal every decision up to the upgrade named, so no trust that worked stops working
and none passes to a principal created later; an ARN nobody holds any more (deleted, or renamed
away) is bound to ``""`` and names no one, as IAM does once a principal is deleted (its unique id
was never recorded, so it cannot be shown in place of the ARN). Which values are user and role
principals is decided by the policy package, as when the services bind a policy they store.

Revision ID: r0010
Revises: r0009
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from rolegate.domain.arn import iam_principal_parts
from rolegate.policy import (
    PolicyParseError,
    iam_principal_arns,
    parse_policy,
    unique_id_principals,
)
from rolegate.store.types import name_key

revision = "r0010"
down_revision = "r0009"
branch_labels = None
depends_on = None

# (account, "user" | "role", folded name) -> (path, unique id)
_Holders = dict[tuple[str, str, str], tuple[str, str]]


def upgrade() -> None:
    op.add_column("roles", sa.Column("trust_principal_ids", sa.Text(), nullable=True))
    conn = op.get_bind()
    held = {row[0] for row in conn.execute(sa.text("SELECT account_id FROM accounts"))}
    holders: _Holders = {}
    for table, kind in (("users", "user"), ("roles", "role")):
        query = f"SELECT {kind}_id, account_id, name_key, path FROM {table}"
        for entity_id, account, key, path in conn.execute(sa.text(query)):
            holders[(account, kind, key)] = (path, entity_id)
    documents = conn.execute(sa.text("SELECT role_id, assume_role_policy_document FROM roles"))
    update = sa.text("UPDATE roles SET trust_principal_ids = :ids WHERE role_id = :role_id")
    for role_id, document in documents.all():
        bound = _bindings(document, held, holders)
        if bound:  # as store.types.PrincipalIdsJson writes it
            ids = json.dumps(bound, separators=(",", ":"))
            conn.execute(update, {"ids": ids, "role_id": role_id})


def _bindings(document: str, held: set[str], holders: _Holders) -> dict[str, str]:
    """{ARN: unique id or ""} for the user and role principals of accounts the server holds,
    and {id: id} for the unique ids written as principals that a user or role has."""
    try:
        parsed = parse_policy(document)
    except PolicyParseError:  # every stored trust policy parsed when written; keep it as it is
        return {}
    bound = {}
    for arn in iam_principal_arns(parsed):
        parts = iam_principal_parts(arn)
        if parts is None or parts[0] not in held:
            continue
        account, kind, path, name = parts
        holder = holders.get((account, kind, name_key(name)))
        bound[arn] = holder[1] if holder is not None and holder[0] == path else ""
    existing = {unique_id for _, unique_id in holders.values()}
    for unique_id in unique_id_principals(parsed):  # written as ids: shown as their ARNs
        if unique_id in existing:
            bound[unique_id] = unique_id
    return bound


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both backends: a batch copy of ``roles`` would drop the old
    # table, which SQLite's foreign keys answer by deleting the roles' policies and tags.
    op.drop_column("roles", "trust_principal_ids")
