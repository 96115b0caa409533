"""The answer of the engine, with its reasons (POLICY-EVALUATION.md 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

ALLOW = "Allow"
IMPLICIT_DENY = "ImplicitDeny"
EXPLICIT_DENY = "ExplicitDeny"

POLICY_TYPES = ("identity", "resource", "boundary", "session", "scp")


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    """A statement that applied to the request (its Action, Resource, Principal and Condition)."""

    policy_type: str  # "identity" | "resource" | "boundary" | "session" | "scp"
    policy_id: str
    sid: str | None
    index: int
    effect: str  # "Allow" | "Deny"

    def to_json(self) -> dict[str, object]:
        return {
            "policy_type": self.policy_type,
            "policy_id": self.policy_id,
            "sid": self.sid,
            "index": self.index,
            "effect": self.effect,
        }


class Decision(NamedTuple):
    """``effect`` is ``Allow``, ``ImplicitDeny`` or ``ExplicitDeny``.

    ``matched`` lists every statement that applied (Allow and Deny, in policy-type order), and
    ``missing_allow`` the policy types whose missing Allow caused an ``ImplicitDeny``, enough for
    AWS's "because no identity-based policy allows the ... action" explanations. (A named tuple:
    the evaluator makes one per decision, and a tuple is the cheapest immutable record.)
    """

    effect: str
    matched: tuple[MatchedStatement, ...] = ()
    missing_allow: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW

    def to_json(self) -> dict[str, object]:
        return {
            "decision": self.effect,
            "matched": [statement.to_json() for statement in self.matched],
            "missing_allow": list(self.missing_allow),
        }
