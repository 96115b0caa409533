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

# --- compile + evaluate (engineer B): re-export here ---------------------------------------------

__all__ = [
    "ConditionClause",
    "PolicyDocument",
    "PolicyKind",
    "Position",
    "PrincipalSet",
    "Statement",
]
