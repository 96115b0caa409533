"""The checks every stored policy document passes, in one place for all services.

The policy engine's validator is the one grammar check and its ``limits`` module holds the size
quotas (``rolegate.policy``); this module only picks the policy kind and the quota for each place
a document is stored (reference_iam-quotas.md, "IAM and STS character limits").
"""

from __future__ import annotations

from rolegate.policy import (
    PolicyKind,
    check_trust_policy_size,
    validate_policy,
)


def check_trust_policy(document: str) -> None:
    """A role's trust policy: a resource policy with a principal, at most 2,048 characters."""
    validate_policy(document, PolicyKind.TRUST)
    check_trust_policy_size(document)


def check_identity_policy(document: str) -> None:
    validate_policy(document, PolicyKind.IDENTITY)
