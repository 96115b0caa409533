"""The IAM policy language: parse, validate, compile, evaluate (pure: no I/O, clock, globals)."""

from rolegate.policy.ast import (
    ConditionClause,
    PolicyDocument,
    PolicyKind,
    Position,
    PrincipalSet,
    Statement,
)

# --- parse + validate (engineer A) --------------------------------------------------------------
from rolegate.policy.errors import PolicyParseError, PolicyValidationError
from rolegate.policy.limits import (
    check_inline_policies_size,
    check_managed_policy_size,
    check_session_policy_size,
    check_trust_policy_size,
    policy_size,
)
from rolegate.policy.parser import parse_policy
from rolegate.policy.validate import Finding, find_problems, validate_document, validate_policy
from rolegate.policy.validate_principals import iam_principal_arns

# --- compile + evaluate (engineer B): re-export here ---------------------------------------------

__all__ = [
    "ConditionClause",
    "Finding",
    "PolicyDocument",
    "PolicyKind",
    "PolicyParseError",
    "PolicyValidationError",
    "Position",
    "PrincipalSet",
    "Statement",
    "check_inline_policies_size",
    "check_managed_policy_size",
    "check_session_policy_size",
    "check_trust_policy_size",
    "find_problems",
    "iam_principal_arns",
    "parse_policy",
    "policy_size",
    "validate_document",
    "validate_policy",
]
