"""Conditions the graph can and cannot decide.

A trust or identity policy may test keys the graph knows for a given principal (the keys the
engine derives from the principal itself: ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
``aws:PrincipalType``, and a user's ``aws:username``/``aws:userid``), and keys only a real call
carries (``aws:MultiFactorAuthPresent``, ``sts:ExternalId``, ``aws:SourceIp``, a provider's
``aud``, session and principal tags...). The known ones are left to the engine. For the unknown
ones each document is compiled in two readings, and the engine decides with each:

* *pessimistic*: an Allow that tests an unknown key is left out, a Deny that tests one applies
  (its unknown clauses dropped). An edge the engine allows this way holds whatever the call
  carries: "allowed".
* *optimistic*: the unknown clauses of an Allow hold (dropped), a Deny that tests one does not
  apply (left out). An edge allowed only this way holds for some calls: "conditional", listed
  with the clauses it depends on.

Statements keep their index, so the engine's matched statements still point into the original
text (line and column).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rolegate.policy import ConditionClause, PolicyDocument, Statement

PESSIMISTIC, OPTIMISTIC = "pessimistic", "optimistic"

_ROLE_KEYS = frozenset({"aws:principaltype", "aws:principalarn", "aws:principalaccount"})
# The condition keys the graph knows, by the kind of node that calls.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "user": _ROLE_KEYS | {"aws:username", "aws:userid"},
    "role": _ROLE_KEYS,  # aws:userid holds the session name, which the caller picks
    "external": _ROLE_KEYS,
    "account": frozenset({"aws:principalaccount"}),
    "service": frozenset(),
    "oidc": frozenset(),
    "saml": frozenset(),
    "everyone": frozenset(),
}


@dataclass(frozen=True, slots=True)
class Unknown:
    """A condition clause the graph cannot decide, and where it is."""

    policy_id: str
    effect: str
    key: str
    operator: str
    values: tuple[str, ...]
    line: int
    column: int

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "operator": self.operator,
            "values": list(self.values),
            "effect": self.effect,
            "policy": self.policy_id,
            "line": self.line,
            "column": self.column,
        }


def unknown_clauses(statement: Statement, known: frozenset[str]) -> list[ConditionClause]:
    return [c for c in statement.conditions if c.key.lower() not in known]


def reading(document: PolicyDocument, known: frozenset[str], mode: str) -> PolicyDocument | None:
    """``document`` in one reading (see the module); None when it is unchanged."""
    statements: list[Statement] = []
    changed = False
    for statement in document.statements:
        unknown = unknown_clauses(statement, known)
        if not unknown:
            statements.append(statement)
            continue
        changed = True
        deny = statement.effect == "Deny"
        if (mode == PESSIMISTIC) != deny:  # a pessimistic Allow, an optimistic Deny: left out
            continue
        kept = tuple(c for c in statement.conditions if c not in unknown)
        statements.append(replace(statement, conditions=kept))
    if not changed:
        return None
    # no source text: the compiler compiles it without caching it under the original's hash
    return PolicyDocument(document.version, document.id, tuple(statements), "")


def unknowns_of(policy_id: str, statement: Statement, known: frozenset[str]) -> list[Unknown]:
    return [
        Unknown(
            policy_id,
            statement.effect,
            clause.key,
            clause.operator,
            clause.values,
            clause.position.line,
            clause.position.column,
        )
        for clause in unknown_clauses(statement, known)
    ]
