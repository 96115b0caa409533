"""The checks every stored policy document passes, in one place for all services.

The policy engine's validator is the one grammar check and its ``limits`` module holds the size
quotas (``rolegate.policy``); this module only picks the policy kind and the quota for each place
a document is stored (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
"IAM and STS character limits").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolegate.domain.entities import PrincipalIds
from rolegate.policy import (
    PolicyKind,
    check_trust_policy_size,
    validate_policy,
)
from rolegate.services.authz import bind_principals

if TYPE_CHECKING:
    from rolegate.store import Tx


def check_trust_policy(document: str, tx: Tx) -> PrincipalIds:
    """A role's trust policy: a resource policy with a principal, at most 2,048 characters,
    whose user and role principals exist; returns them bound to their unique ids
    (:mod:`rolegate.services.authz.trust_principals`)."""
    parsed = validate_policy(document, PolicyKind.TRUST)
    check_trust_policy_size(document)
    return bind_principals(tx, parsed)


def check_identity_policy(document: str) -> None:
    validate_policy(document, PolicyKind.IDENTITY)
