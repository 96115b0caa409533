"""Policy size quotas ("IAM and AWS STS quotas",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

Size is counted the way IAM documents it: "IAM does not count white space when calculating the
size of a policy" / "Policy size calculations do not include white space characters". We take
that literally: every JSON whitespace character (space, tab, line feed, carriage return) is
left out, inside string literals too; every other character counts one. (IAM's API accepts only
tab, LF, CR and U+0020..U+00FF in policy documents, so characters and bytes agree.)

Session policies are different: the STS API says "The plaintext that you use for both inline and
managed session policies can't exceed 2,048 characters" and GetFederationToken's model puts
``max: 2048`` on the parameter itself, so there the whole text counts, whitespace included, and
the error is a ``ValidationError`` on the ``policy`` member. (The separate packed-size check,
``PackedPolicyTooLarge``, covers policy + session tags after AWS's compression and lives in STS.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from rolegate.domain.errors import LimitExceeded, ValidationError
from rolegate.policy import messages

TRUST_POLICY_LIMIT = 2048  # quota "ACLSizePerRole"
MANAGED_POLICY_LIMIT = 6144  # quota "PolicySize"
INLINE_POLICIES_LIMITS = {"role": 10240, "user": 2048, "group": 5120}  # all inline policies
SESSION_POLICY_LIMIT = 2048

EntityType = Literal["role", "user", "group"]

_WHITESPACE = (" ", "\t", "\n", "\r")


def policy_size(text: str) -> int:
    """Characters of ``text`` that count against a quota (all but whitespace)."""
    return len(text) - sum(text.count(space) for space in _WHITESPACE)


def check_trust_policy_size(text: str) -> None:
    """Raise LimitExceeded ("Cannot exceed quota for ACLSizePerRole: 2048") if too large."""
    if policy_size(text) > TRUST_POLICY_LIMIT:
        raise LimitExceeded(messages.quota_exceeded("ACLSizePerRole", TRUST_POLICY_LIMIT))


def check_managed_policy_size(text: str) -> None:
    """Raise LimitExceeded ("Cannot exceed quota for PolicySize: 6144") if too large.

    Applies to every version of a customer managed policy, permissions boundaries included.
    """
    if policy_size(text) > MANAGED_POLICY_LIMIT:
        raise LimitExceeded(messages.quota_exceeded("PolicySize", MANAGED_POLICY_LIMIT))


def check_inline_policies_size(
    entity_type: EntityType, entity_name: str, documents: Iterable[str]
) -> None:
    """Raise LimitExceeded if the inline policies of one entity exceed their aggregate quota.

    ``documents`` are *all* inline policies the entity would have after the change (the new or
    replaced one included). Message: "Maximum policy size of 10240 bytes exceeded for role NAME".
    """
    limit = INLINE_POLICIES_LIMITS[entity_type]
    if sum(policy_size(document) for document in documents) > limit:
        raise LimitExceeded(messages.inline_policies_too_large(limit, entity_type, entity_name))


def check_session_policy_size(text: str) -> None:
    """Raise ValidationError if an inline session policy is over 2,048 characters."""
    if len(text) > SESSION_POLICY_LIMIT:
        raise ValidationError(messages.session_policy_too_long(text, SESSION_POLICY_LIMIT))
