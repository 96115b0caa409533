"""Statements indexed by action, so a decision costs what the statements of its action cost.

Per policy type of a :class:`~rolegate.policy.evaluate.PolicySet` (built once, on first use):

* ``exact``: lower-cased action name -> statements naming it without wildcards;
* ``by_service``: service prefix -> statements with a wildcard pattern in that service
  (``s3:Get*``), filtered by their matcher;
* ``anywhere``: ``*``, patterns with a wildcard in the service prefix, and ``NotAction``
  statements, filtered by their matcher.

Statements whose every Resource names a service literally (``arn:aws:s3:::...``) are also
filtered by the service of the requested resource.

The candidates of one (action, resource service) are then memoized per PolicySet (a compile-time
structure: it holds statements, never decisions).
"""

from __future__ import annotations

from collections.abc import Sequence

from rolegate.policy.compile import CompiledPolicy, CompiledStatement
from rolegate.policy.decision import MatchedStatement

Entry = tuple[CompiledStatement, MatchedStatement]
_Ranked = tuple[int, Entry]


class SlotIndex:
    """Action index over the statements of the policies of one policy type."""

    __slots__ = ("anywhere", "by_service", "exact")

    def __init__(self, policy_type: str, policies: Sequence[CompiledPolicy]) -> None:
        self.exact: dict[str, list[_Ranked]] = {}
        self.by_service: dict[str, list[_Ranked]] = {}
        self.anywhere: list[_Ranked] = []
        rank = 0
        for policy in policies:
            for statement in policy.statements:
                reason = MatchedStatement(
                    policy_type, policy.policy_id, statement.sid, statement.index, statement.effect
                )
                ranked: _Ranked = (rank, (statement, reason))
                rank += 1
                exact, services, anywhere = statement.action_index_keys()
                for action in exact:
                    self.exact.setdefault(action, []).append(ranked)
                for service in services:
                    self.by_service.setdefault(service, []).append(ranked)
                if anywhere:
                    self.anywhere.append(ranked)

    def candidates(self, action: str, resource_service: str) -> tuple[Entry, ...]:
        """Statements whose Action/NotAction matches ``action`` (lower-cased) and whose
        Resource can name an ARN of ``resource_service``, in policy order."""
        found: dict[int, Entry] = {}
        service = action.partition(":")[0]
        for group, check in (
            (self.exact.get(action, ()), False),
            (self.by_service.get(service, ()), True),
            (self.anywhere, True),
        ):
            for rank, entry in group:
                statement = entry[0]
                services = statement.resource_services
                if rank in found or (services is not None and resource_service not in services):
                    continue
                if not check or statement.matches_action(action):
                    found[rank] = entry
        if len(found) > 1:
            return tuple(found[rank] for rank in sorted(found))
        return tuple(found.values())
