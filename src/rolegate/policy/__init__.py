"""The IAM policy language: parse, validate, compile, evaluate (pure: no I/O, clock, globals)."""

from rolegate.policy.ast import (
    ConditionClause,
    PolicyDocument,
    PolicyKind,
    Position,
    PrincipalSet,
    Statement,
)
from rolegate.policy.compile import CompiledPolicy, PolicyCompiler
from rolegate.policy.decision import Decision, MatchedStatement
from rolegate.policy.errors import PolicyParseError, PolicyValidationError
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.limits import (
    check_inline_policies_size,
    check_managed_policy_size,
    check_session_policy_size,
    check_trust_policy_size,
    policy_size,
)
from rolegate.policy.parser import parse_policy
from rolegate.policy.principal_text import replace_principals
from rolegate.policy.request import Principal, Request
from rolegate.policy.validate import (
    Finding,
    find_problems,
    parse_policy_of_kind,
    validate_document,
    validate_policy,
)
from rolegate.policy.validate_principals import iam_principal_arns, unique_id_principals

__all__ = [
    "CompiledPolicy",
    "ConditionClause",
    "Decision",
    "Finding",
    "MatchedStatement",
    "PolicyCompiler",
    "PolicyDocument",
    "PolicyKind",
    "PolicyParseError",
    "PolicySet",
    "PolicyValidationError",
    "Position",
    "Principal",
    "PrincipalSet",
    "Request",
    "Statement",
    "check_inline_policies_size",
    "check_managed_policy_size",
    "check_session_policy_size",
    "check_trust_policy_size",
    "evaluate",
    "find_problems",
    "iam_principal_arns",
    "parse_policy",
    "parse_policy_of_kind",
    "policy_size",
    "replace_principals",
    "unique_id_principals",
    "validate_document",
    "validate_policy",
]
