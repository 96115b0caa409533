"""The answer of the engine, with its reasons (docs/policy-evaluation.md 2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

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


class Explains(Protocol):
    """Whatever decided a request and can list the statements that applied to it, on demand
    (a :class:`~rolegate.policy.evaluate.PolicySet`)."""

    def explain(self, request: Any, /) -> tuple[MatchedStatement, ...]: ...


class Decision:
    """``effect`` is ``Allow``, ``ImplicitDeny`` or ``ExplicitDeny``.

    ``matched`` lists every statement that applied (Allow and Deny, in policy-type order), and
    ``missing_allow`` the policy types whose missing Allow caused an ``ImplicitDeny``, enough for
    AWS's "because no identity-based policy allows the ... action" explanations.

    Decide first, explain on demand: the engine decides with the fewest statements it can (the
    Denies that can apply, then one applicable Allow per policy type), so a decision from
    :func:`~rolegate.policy.evaluate.evaluate` lists its ``matched`` statements only when first
    asked (an AccessDenied message, ``policy eval``, an audit), by evaluating the request again
    in full, and keeps them. Two decisions are equal when effect, matched and missing_allow are.
    """

    __slots__ = ("_matched", "_policies", "_request", "effect", "missing_allow")

    effect: str
    missing_allow: tuple[str, ...]

    def __init__(
        self,
        effect: str,
        matched: Iterable[MatchedStatement] = (),
        missing_allow: Iterable[str] = (),
    ) -> None:
        self.effect = effect
        self.missing_allow = tuple(missing_allow)
        self._matched: tuple[MatchedStatement, ...] | None = tuple(matched)
        self._request: Any = None
        self._policies: Explains | None = None

    @property
    def matched(self) -> tuple[MatchedStatement, ...]:
        found = self._matched
        if found is None:  # deferred (see the class); racing threads compute the same tuple
            assert self._policies is not None
            found = self._matched = self._policies.explain(self._request)
        return found

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW

    def to_json(self) -> dict[str, object]:
        return {
            "decision": self.effect,
            "matched": [statement.to_json() for statement in self.matched],
            "missing_allow": list(self.missing_allow),
        }

    def _key(self) -> tuple[str, tuple[MatchedStatement, ...], tuple[str, ...]]:
        return self.effect, self.matched, self.missing_allow

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Decision(effect={self.effect!r}, matched={self.matched!r}, "
            f"missing_allow={self.missing_allow!r})"
        )


_new = object.__new__


def deferred(
    effect: str, missing_allow: tuple[str, ...], request: Any, policies: Explains
) -> Decision:
    """A decision whose ``matched`` statements ``policies.explain(request)`` lists when asked."""
    decision: Decision = _new(Decision)
    decision.effect = effect
    decision.missing_allow = missing_allow
    decision._matched = None
    decision._request = request
    decision._policies = policies
    return decision
