"""The one AST of an IAM policy document, shared by the validator, compiler, evaluator and CLI.

Built by :func:`rolegate.policy.parser.parse_policy`. Element names follow the AWS grammar
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html). Values are
kept as written (case, wildcards, variables); the compiler interprets them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PolicyKind(enum.Enum):
    """Where a document is used; decides which validation rules apply."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of an element in the source text."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class PrincipalSet:
    """Value of ``Principal`` / ``NotPrincipal``.

    ``"*"`` sets ``wildcard``; ``{"AWS": "*"}`` also sets ``wildcard`` and keeps ``"*"`` in ``aws``.
    """

    wildcard: bool
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair of a ``Condition`` block."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str  # as written, e.g. "aws:PrincipalTag/Team"
    values: tuple[str, ...]  # strings, numbers and booleans in string form (true -> "true")
    position: Position


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; ``None`` means the element is absent (an empty list is kept as ``()``)."""

    index: int  # 0-based position in the Statement list
    sid: str | None
    effect: str  # "Allow" | "Deny" as written; the validator rejects anything else
    principal: PrincipalSet | None
    not_principal: PrincipalSet | None
    action: tuple[str, ...] | None
    not_action: tuple[str, ...] | None
    resource: tuple[str, ...] | None
    not_resource: tuple[str, ...] | None
    conditions: tuple[ConditionClause, ...]
    position: Position  # of its "{"
    end_position: Position | None = None  # of its "}" (None when built by hand)


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A parsed policy; ``source`` is the original text."""

    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    source: str
