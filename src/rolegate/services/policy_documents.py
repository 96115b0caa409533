"""The checks every stored policy document passes, in one place for all services.

The policy engine's validator is the one grammar check and its ``limits`` module holds the size
quotas (``rolegate.policy``); this module only picks the policy kind and the quota for each place
a document is stored (reference_iam-quotas.md, "IAM and STS character limits").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy import (
    PolicyKind,
    check_trust_policy_size,
    iam_principal_arns,
    validate_policy,
)
from rolegate.policy.messages import invalid_principal

if TYPE_CHECKING:
    from rolegate.store import Tx


def check_trust_policy(document: str, tx: Tx) -> None:
    """A role's trust policy: a resource policy with a principal, at most 2,048 characters,
    whose user and role principals exist."""
    parsed = validate_policy(document, PolicyKind.TRUST)
    check_trust_policy_size(document)
    for arn in iam_principal_arns(parsed):
        if not _principal_exists(tx, arn):
            raise MalformedPolicyDocument(invalid_principal("AWS", arn))


def _principal_exists(tx: Tx, arn: str) -> bool:
    """Whether the user or role ``arn`` names exists (IAM stores such principals by unique id,
    so it refuses ones it cannot resolve: reference_policies_elements_principal.md).

    Accounts this server does not hold are not checked: they may be another deployment's.
    The path must match the entity's (unverified: AWS's strictness about paths).
    """
    _, _, _, _, account_id, resource = arn.split(":", 5)
    if tx.accounts.get(account_id) is None:
        return True
    kind, _, path_and_name = resource.partition("/")
    path, _, name = ("/" + path_and_name).rpartition("/")
    entity = tx.roles.get(account_id, name) if kind == "role" else tx.users.get(account_id, name)
    return entity is not None and entity.path == path + "/"


def check_identity_policy(document: str) -> None:
    validate_policy(document, PolicyKind.IDENTITY)
