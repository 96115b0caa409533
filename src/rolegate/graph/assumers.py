"""Which principals of the given accounts a trust policy that names their account may let in:
those whose own identity policies may allow sts:AssumeRole on the role (read optimistically),
found without testing every principal against every such role.

Each principal's Allow statements that cover sts:AssumeRole are indexed by what their
``Resource`` can match: a literal role ARN is a key of a dict; a pattern with wildcards is
matched once per role for all the principals whose policies hold that same compiled statement;
``*``, a ``NotResource`` or a policy variable make the principal a candidate for every role.
The index only narrows the candidates: the engine still decides each one
(``Judge.identity_may_allow``, then the edge).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from rolegate.graph.conditions import KNOWN_KEYS, OPTIMISTIC
from rolegate.policy.compile import CompiledStatement

if TYPE_CHECKING:
    from rolegate.graph.inputs import Document
    from rolegate.graph.sources import Source
    from rolegate.policy import CompiledPolicy

Compile = Callable[["Document", frozenset[str], str], "CompiledPolicy"]
_ACTION = "sts:assumerole"
_WILDCARDS = ("*", "?", "$")


class Assumers:
    def __init__(self, sources: Mapping[str, Source], compiled: Compile) -> None:
        self._order = {arn: n for n, arn in enumerate(sources)}
        self._account = {arn: s.node.account for arn, s in sources.items()}
        self._literal: dict[str, set[str]] = {}  # role ARN -> principals
        self._patterns: dict[int, tuple[CompiledStatement, set[str]]] = {}  # by id(statement)
        self._anywhere: set[str] = set()
        for arn, source in sources.items():
            known = KNOWN_KEYS[source.node.kind]
            for doc in source.identity:
                for statement in compiled(doc, known, OPTIMISTIC).statements:
                    if not statement.is_deny and statement.matches_action(_ACTION):
                        self._add(arn, statement, _resources(statement, doc))

    def _add(self, arn: str, statement: CompiledStatement, resources: tuple[str, ...]) -> None:
        if not resources:  # *, NotResource, a variable: any role
            self._anywhere.add(arn)
            return
        for pattern in resources:
            if any(mark in pattern for mark in _WILDCARDS):
                self._patterns.setdefault(id(statement), (statement, set()))[1].add(arn)
            else:
                self._literal.setdefault(pattern, set()).add(arn)

    def of(self, role_arn: str, account: str) -> list[str]:
        """The principals of ``account`` whose own side may allow assuming ``role_arn``, in the
        sources' order."""
        found = set(self._anywhere)
        found.update(self._literal.get(role_arn, ()))
        for statement, principals in self._patterns.values():
            if not principals <= found and statement.matches_resource(role_arn, None):
                found.update(principals)
        mine = (arn for arn in found if self._account[arn] == account)
        return sorted(mine, key=self._order.__getitem__)


def _resources(statement: CompiledStatement, doc: Document) -> tuple[str, ...]:
    """The statement's Resource patterns (as written: the compiled statement keeps its place in
    the text), or () when it may match any role."""
    if statement.resource_any or statement.not_resource or statement.resource_templates:
        return ()
    return doc.parsed.statements[statement.index].resource or ()
