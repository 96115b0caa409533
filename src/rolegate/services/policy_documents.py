"""The checks every stored policy document passes, in one place for all services.

The policy engine's validator is the one grammar check (``rolegate.policy``); this module only
picks the policy kind and the quota that applies to each place a document is stored
(reference_iam-quotas.md, "IAM and STS character limits").
"""

from __future__ import annotations

from collections.abc import Iterable

from rolegate.domain.errors import LimitExceeded
from rolegate.policy import PolicyKind, policy_size, validate_policy

TRUST_POLICY_MAX = 2048
ROLE_INLINE_TOTAL_MAX = 10240


def check_trust_policy(document: str) -> None:
    """A role's trust policy: a resource policy with a principal, at most 2,048 characters."""
    validate_policy(document, PolicyKind.TRUST)
    if policy_size(document) > TRUST_POLICY_MAX:
        raise LimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}")


def check_identity_policy(document: str) -> None:
    validate_policy(document, PolicyKind.IDENTITY)


def check_role_inline_total(role_name: str, documents: Iterable[str]) -> None:
    """All inline policies of one role together: at most 10,240 characters."""
    if sum(policy_size(d) for d in documents) > ROLE_INLINE_TOTAL_MAX:
        raise LimitExceeded(
            f"Maximum policy size of {ROLE_INLINE_TOTAL_MAX} bytes exceeded for role {role_name}"
        )
