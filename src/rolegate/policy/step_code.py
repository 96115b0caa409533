"""A statement-by-statement plan as one generated Python function (the last compile stage).

Walking a few candidate statements in a generic loop costs more in the loop (unpacking each
step, dispatching on its resource test, memoizing condition results in a dict) than in the tests
themselves. So :func:`build_runner` writes the walk out as straight-line code, one ``if`` per
statement, and compiles it once per plan: a condition that several statements share is run at
most once through a local variable, and the others are called directly.

The generated source holds only names made here (``T3``, ``H0``, ``c0``...) and small integers;
the objects they name (matchers, condition closures, reasons, principal checks) are passed in its
namespace. No text from a policy document ever reaches the source.

``run(resource, context, who)`` returns ``(matched, deny, identity, boundary, session, scp,
grant)``: the reasons of the statements that apply, in step order; whether one of them denies;
whether each policy type has an applicable Allow; the strongest resource-policy grant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from rolegate.policy.compile import CompiledStatement
from rolegate.policy.conditions import CompiledCondition
from rolegate.policy.decision import POLICY_TYPES, MatchedStatement
from rolegate.policy.principals import Grant

Runner = Callable[
    [str, Any, Any],
    tuple[list[MatchedStatement], bool, bool, bool, bool, bool, Grant | None],
]
# (resource test, conditions, policy type position, is_deny, reason, statement): plan.Step
StepLike = tuple[object, tuple[CompiledCondition, ...], int, bool, MatchedStatement, Any]

RESOURCE_POLICY = POLICY_TYPES.index("resource")
_ALLOW_FLAGS = {  # the returned flags: an applicable Allow in identity, boundary, session, scp
    POLICY_TYPES.index(kind): f"a{POLICY_TYPES.index(kind)}"
    for kind in ("identity", "boundary", "session", "scp")
}


class _Names:
    """Objects passed to the generated code, each under a short generated name."""

    def __init__(self) -> None:
        self.namespace: dict[str, object] = {}
        self._by_id: dict[int, str] = {}

    def of(self, prefix: str, value: object) -> str:
        found = self._by_id.get(id(value))
        if found is None:
            found = self._by_id[id(value)] = f"{prefix}{len(self.namespace)}"
            self.namespace[found] = value
        return found


def build_runner(steps: Sequence[StepLike], slow_resource: object) -> Runner:
    """Compile ``steps`` (``plan.Step`` tuples; ``slow_resource`` is plan's SLOW_RESOURCE)."""
    names = _Names()
    uses = Counter(condition for step in steps for condition in step[1])
    shared = {condition: f"c{i}" for i, condition in enumerate(c for c, n in uses.items() if n > 1)}
    lines = [
        "def run(resource, context, who):",
        "    memo = {}",  # typed readings of this decision (see conditions.Memo)
        "    matched = []",
        "    append = matched.append",
        "    deny = a0 = a2 = a3 = a4 = False",
        "    grant = None",
    ]
    if shared:
        lines.append("    " + " = ".join(shared.values()) + " = None")
    for test, conditions, position, is_deny, reason, statement in steps:
        guards = _resource_guard(test, statement, slow_resource, names)
        for condition in conditions:
            holds = names.of("H", condition.holds)
            local = shared.get(condition)
            if local is None:
                guards.append(f"{holds}(context, memo)")
            else:
                run_once = f"({local} := {holds}(context, memo))"
                guards.append(f"({local} if {local} is not None else {run_once})")
        indent = "    "
        if guards:
            lines.append(f"    if {' and '.join(guards)}:")
            indent = "        "
        applies = _applies(position, is_deny, reason, statement, names)
        lines.extend(indent + line for line in applies)
    lines.append("    return matched, deny, a0, a2, a3, a4, grant")
    code = compile("\n".join(lines) + "\n", "<rolegate.policy.step_code>", "exec")
    namespace = names.namespace
    exec(code, namespace)
    runner: Runner = namespace.pop("run")  # type: ignore[assignment]
    return runner


def _resource_guard(
    test: object, statement: CompiledStatement, slow_resource: object, names: _Names
) -> list[str]:
    if test is None:  # Resource "*"
        return []
    if test is slow_resource:
        return [f"{names.of('S', statement.matches_resource)}(resource, context)"]
    return [f"{names.of('T', test)}(resource)"]


def _applies(
    position: int, is_deny: bool, reason: MatchedStatement, statement: Any, names: _Names
) -> list[str]:
    """What an applicable statement does; a resource-policy statement must name the caller."""
    record = f"append({names.of('R', reason)})"
    if position != RESOURCE_POLICY:
        return [record, "deny = True" if is_deny else f"{_ALLOW_FLAGS[position]} = True"]
    found = [f"named = {names.of('G', statement.grant_for)}(who)", "if named is not None:"]
    if is_deny:
        return [*found, f"    {record}", "    deny = True"]
    stronger = "    if grant is None or named > grant:"
    return [*found, f"    {record}", stronger, "        grant = named"]
