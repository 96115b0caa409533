"""Statements indexed by action, so a decision costs what the statements of its action cost.

Per policy type of a :class:`~rolegate.policy.evaluate.PolicySet` (built once, on first use):

* ``exact``: lower-cased action name -> statements naming it without wildcards;
* ``by_service``: service prefix -> statements with a wildcard pattern in that service
  (``s3:Get*``), filtered by their matcher;
* ``anywhere``: ``*``, patterns with a wildcard in the service prefix, and ``NotAction``
  statements, filtered by their matcher.

The candidates of one action are then memoized per PolicySet (a compile-time structure: it holds
statements, never decisions).
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

    def candidates(self, action: str) -> tuple[Entry, ...]:
        """Statements whose Action/NotAction matches ``action`` (lower-cased), in policy order."""
        found: dict[int, Entry] = dict(self.exact.get(action, ()))
        service = action.partition(":")[0]
        for rank, entry in self.by_service.get(service, ()):
            if rank not in found and entry[0].matches_action(action):
                found[rank] = entry
        for rank, entry in self.anywhere:
            if rank not in found and entry[0].matches_action(action):
                found[rank] = entry
        if len(found) > 1:
            return tuple(found[rank] for rank in sorted(found))
        return tuple(found.values())
