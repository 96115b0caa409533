"""An edge in words: the statements the engine matched, each with its policy, Sid and place in
the text (line and column of its ``{``), and what the graph cannot see."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rolegate.graph.conditions import Unknown
from rolegate.graph.inputs import Document, IamPrincipal
from rolegate.graph.model import Step
from rolegate.policy import Decision, MatchedStatement, PrincipalSet
from rolegate.policy.principals import CompiledPrincipals, Grant

if TYPE_CHECKING:
    from rolegate.graph.sources import Source

_SAME_ACCOUNT = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
)
_CROSS_ACCOUNT = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
    "reference_policies_evaluation-logic-cross-account.html"
)
_STEP_ORDER = {"resource": 0, "identity": 1, "boundary": 2}
_TYPE_NAMES = {
    "identity": "identity-based policy",
    "resource": "trust policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "service control policy",
}


def _statement_step(kind: str, text: str, matched: MatchedStatement, doc: Document) -> Step:
    statement = doc.parsed.statements[matched.index]
    return Step(
        kind,
        text,
        doc.policy_id,
        statement.sid,
        statement.position.line,
        statement.position.column,
    )


def _where(matched: MatchedStatement) -> str:
    return f"statement {matched.sid!r}" if matched.sid else f"statement {matched.index + 1}"


def _naming(source: Source, doc: Document, matched: MatchedStatement) -> str:
    """How a trust statement names the caller."""
    statement = doc.parsed.statements[matched.index]
    if statement.principal is None:
        return "names everyone but the principals its NotPrincipal lists"
    grant = _principals(statement.principal).grant(source.principal)
    if statement.principal.wildcard:
        return "names everyone (*)"
    if grant is Grant.ACCOUNT:
        return (
            f"names its account {source.node.account}, which delegates: the account's own "
            "policies must allow too"
        )
    if grant is Grant.ROLE:
        return "names its role"
    return f"names {source.node.id}"


def _names_itself(source: Source, doc: Document, matched: MatchedStatement) -> bool:
    principals = doc.parsed.statements[matched.index].principal
    if principals is None or principals.wildcard:
        return principals is not None
    grant = _principals(principals).grant(source.principal)
    return grant in (Grant.DIRECT, Grant.ROLE)


@functools.lru_cache(maxsize=1024)
def _principals(principals: PrincipalSet) -> CompiledPrincipals:
    """A trust statement's principals in lookup form (many roles share a trust policy's text)."""
    return CompiledPrincipals(principals)


def edge_steps(
    source: Source,
    role: IamPrincipal,
    action: str,
    decision: Decision,
    documents: Mapping[str, Document],
    conditions: tuple[Unknown, ...],
    cross: bool,
) -> tuple[Step, ...]:
    steps: list[Step] = []
    # the trust policy first: it is what names the caller; then the caller's own policies
    allows = sorted(
        (m for m in decision.matched if m.effect == "Allow"),
        key=lambda m: _STEP_ORDER.get(m.policy_type, 3),
    )
    kinds = {m.policy_type for m in allows}
    named = False  # a trust statement names the caller itself (or its role)
    for matched in allows:
        doc = documents.get(matched.policy_id)
        if doc is None:
            continue  # the stand-in policy of another account: said below
        if matched.policy_type == "resource":
            named = named or _names_itself(source, doc, matched)
            text = (
                f"The role's trust policy allows {action} ({_where(matched)}): "
                f"it {_naming(source, doc, matched)}."
            )
            steps.append(_statement_step("trust", text, matched, doc))
        elif matched.policy_type == "identity":
            text = f"The caller's identity policy allows {action} on the role ({_where(matched)})."
            if named and not cross:
                text += " Not required: the trust policy names the caller itself."
            steps.append(_statement_step("identity", text, matched, doc))
        elif matched.policy_type == "boundary":
            text = f"The caller's permissions boundary allows {action} ({_where(matched)})."
            steps.append(_statement_step("boundary", text, matched, doc))
    if source.iam is not None and not cross and "identity" not in kinds:
        steps.append(
            Step(
                "not-needed",
                "No identity policy is needed: in the role's own account a trust policy that "
                f"names the principal itself is enough ({_SAME_ACCOUNT}).",
            )
        )
    if role.elsewhere:
        steps.append(
            Step(
                "delegated",
                f"The trust policy of {role.arn} must also allow it: account {role.account} is "
                f"not in view here ({_CROSS_ACCOUNT}).",
            )
        )
    elif source.elsewhere:
        steps.append(
            Step(
                "delegated",
                f"Account {source.node.account} must also allow {action} on {role.arn} in the "
                f"caller's own identity policies: they are not visible here ({_CROSS_ACCOUNT}).",
            )
        )
    if cross and not (source.elsewhere or role.elsewhere):
        steps.append(
            Step(
                "delegated",
                "Across accounts both sides must allow: the trust policy above and the caller's "
                f"own policies ({_CROSS_ACCOUNT}).",
            )
        )
    if source.boundary is None and source.iam is not None and source.iam.boundary_missing:
        steps.append(
            Step(
                "delegated",
                f"The permissions boundary {source.iam.boundary_missing} is not in the account's "
                "details: it was not checked.",
            )
        )
    for clause in conditions:
        values = ", ".join(clause.values)
        verb = "Holds only if" if clause.effect == "Allow" else "Denied if"
        steps.append(
            Step(
                "condition",
                f"{verb} {clause.operator} {clause.key} [{values}]: the call must show it.",
                clause.policy_id,
                None,
                clause.line,
                clause.column,
            )
        )
    return tuple(steps)


def denial_steps(decision: Decision, documents: Mapping[str, Document]) -> tuple[Step, ...]:
    """Why the engine refused: the Deny statements that matched, or the policy types that had
    no Allow."""
    steps: list[Step] = []
    for matched in decision.matched:
        doc = documents.get(matched.policy_id)
        if matched.effect == "Deny" and doc is not None:
            text = f"A Deny statement matches ({_where(matched)}): an explicit Deny wins."
            steps.append(_statement_step("deny", text, matched, doc))
    for missing in decision.missing_allow:
        name = _TYPE_NAMES.get(missing, missing)
        steps.append(Step("missing", f"No {name} allows it."))
    return tuple(steps)
