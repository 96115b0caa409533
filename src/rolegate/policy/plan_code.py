"""Plans as generated Python functions (the last compile stage).

Buys the generic loop's per-candidate dispatch on every decision (figures: docs/benchmarks.md,
``bench/policy_eval.py``).

Walking the candidates of a plan in a generic loop costs more in the loop (unpacking each item,
dispatching on its kind, memoizing results in a dict) than in the tests themselves. So each plan
is written out once as straight-line code and compiled:

* :func:`build_decider`, the decision with the fewest statements: the Denies first (the first
  that applies ends the decision), then, per policy type, its Allows until one applies (the
  resource policy's until one grants the caller directly), likeliest and cheapest first (a
  statement without conditions first); the statements after that are never tested. Past the
  first few dozen statements of a group, the rest is decided test by test (plan.py).
  ``decide(resource, context, who)`` returns ``(deny, identity, boundary, session, scp,
  grant)``: whether a Deny applies; whether each policy type has an applicable Allow; the
  strongest resource-policy grant (all False and None but ``deny`` when a Deny applies).
* :func:`build_runner`, statement by statement, every statement: one ``if`` per statement; a
  condition that several statements share runs at most once, through a local variable.
  ``run(resource, context, who)`` returns ``(matched, deny, identity, boundary, session, scp,
  grant)``: the reasons of the statements that apply, in step order (what an explanation
  needs), then the flags as ``decide`` has them.
* :func:`build_filter`, test by test over bitsets (see plan.py): one line per distinct test.
  ``keep(alive, resource, context, readings)`` returns the bits of ``alive`` whose statements'
  Resource and Condition match.

The generated source holds only names made here (``T3``, ``H0``, ``c0``...) and small integers;
the objects they name (matchers, condition closures, masks, key names, reasons, principal checks)
are passed in its namespace. No text from a policy document ever reaches the source.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from types import CodeType
from typing import Any

from rolegate.policy.compile import CompiledStatement
from rolegate.policy.conditions import CompiledCondition
from rolegate.policy.decision import POLICY_TYPES, MatchedStatement
from rolegate.policy.principals import Grant

Runner = Callable[
    [str, Any, Any],
    tuple[list[MatchedStatement], bool, bool, bool, bool, bool, Grant | None],
]
Filter = Callable[[int, str, Any, Any], int]
Decider = Callable[[str, Any, Any], tuple[bool, bool, bool, bool, bool, Grant | None]]
AnyApplies = Callable[[str, Any, Any], bool]  # (resource, context, memo): does a statement apply?
# (resource test, conditions, policy type position, is_deny, reason, statement): plan.Step
StepLike = tuple[object, tuple[CompiledCondition, ...], int, bool, MatchedStatement, Any]

RESOURCE_POLICY = POLICY_TYPES.index("resource")
_UNREAD = object()
_ALLOW_FLAGS = {  # the returned flags: an applicable Allow in identity, boundary, session, scp
    POLICY_TYPES.index(kind): f"a{POLICY_TYPES.index(kind)}"
    for kind in ("identity", "boundary", "session", "scp")
}
_DENIED = (True, False, False, False, False, None)  # a Deny applies: nothing else matters
_SHARED_LIMIT = 32  # conditions a decider keeps in locals (each costs a store per decision)
_INLINE_LIMIT = 48  # statements of a group a decider writes out (build_decider)


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


class _Guards:
    """The tests of one statement as Python expressions, with what they need set up first: the
    values of the context keys read once, typed readings, and the shared conditions' locals."""

    def __init__(
        self, names: _Names, slow_resource: object, shared: Sequence[CompiledCondition]
    ) -> None:
        self.names = names
        self.slow_resource = slow_resource
        self.shared = {condition: f"c{i}" for i, condition in enumerate(shared)}
        self.single = _SingleValue(names)
        self.values: dict[str, str] = {}  # key -> local holding its value

    def of(self, step: StepLike) -> list[str]:
        """The expressions that must all hold for ``step``'s statement to apply (its Principal
        aside)."""
        test, conditions, _position, _is_deny, _reason, statement = step
        names = self.names
        guards = _resource_guard(test, statement, self.slow_resource, names)
        for condition in conditions:
            holds = f"{names.of('H', condition.holds)}(context, memo)"
            value = self.values.get(condition.key, f"v{len(self.values)}")
            inline = self.single.test(condition, value)
            if inline is not None:
                self.values[condition.key] = value
                holds = f"(({inline}) if {value}.__class__ is str and {value} else {holds})"
            local = self.shared.get(condition)
            if local is None:
                guards.append(holds)
            else:
                guards.append(f"({local} if {local} is not None else ({local} := {holds}))")
        return guards

    def setup(self) -> list[str]:
        """The first lines of the function (after every :meth:`of`)."""
        names = self.names
        return [
            "    memo = {}",  # typed readings of this decision (see conditions.Memo)
            *(f"    {v} = context.get({names.of('N', key)})" for key, v in self.values.items()),
            *(f"    {local} = UNREAD" for local in self.single.readings.values()),
            *(["    " + " = ".join(self.shared.values()) + " = None"] if self.shared else []),
        ]


def _new_names() -> _Names:
    names = _Names()
    names.namespace["UNREAD"] = _UNREAD
    return names


def build_decider(
    steps: Sequence[StepLike],
    slow_resource: object,
    any_applies: Callable[[Sequence[StepLike]], AnyApplies],
) -> Decider:
    """Compile the decision of ``steps`` (``plan.Step`` tuples; ``slow_resource`` is plan's
    SLOW_RESOURCE): see the module docstring. Statement order never changes a decision, so the
    steps are reordered freely. Of each group (the Denies; each policy type's Allows) the first
    ``_INLINE_LIMIT`` statements are written out; ``any_applies(rest)`` decides the rest of a
    larger group (test by test, plan.py), so the code stays small however many statements can
    match, and a group where nothing applies costs what its distinct tests cost."""
    names = _new_names()
    denies = sorted((s for s in steps if s[3]), key=_cost)
    groups = [_split(denies)]
    for position in range(len(POLICY_TYPES)):
        groups.append(
            _split(sorted((s for s in steps if s[2] == position and not s[3]), key=_cost))
        )
    uses = Counter(condition for head, _rest in groups for step in head for condition in step[1])
    guards = _Guards(names, slow_resource, [c for c, n in uses.most_common(_SHARED_LIMIT) if n > 1])
    body: list[str] = []
    denied = names.of("D", _DENIED)
    (head, rest), *allows = groups
    for step in head:
        tests = guards.of(step)
        if step[2] == RESOURCE_POLICY:  # the statement must name the caller
            tests.append(f"{names.of('G', step[5].grant_for)}(who) is not None")
        if not tests:
            body.append(f"    return {denied}")
            break
        body += [f"    if {' and '.join(tests)}:", f"        return {denied}"]
    else:
        if rest:
            body += [f"    if {names.of('A', any_applies(rest))}(resource, context, memo):"]
            body += [f"        return {denied}"]
        body.append("    a0 = a2 = a3 = a4 = False")
        body.append("    grant = None")
        for head, rest in allows:
            if head:
                lines = _first_allow(head, rest, guards, names, any_applies)
                body += ["    while True:", *lines, "        break"]
        body.append("    return False, a0, a2, a3, a4, grant")
    lines = ["def decide(resource, context, who):", *guards.setup(), *body]
    decider: Decider = _compiled("decide", lines, names)  # type: ignore[assignment]
    return decider


def _split(group: Sequence[StepLike]) -> tuple[list[StepLike], list[StepLike]]:
    """The statements written out and the rest; a resource policy's are always written out (its
    statements must name the caller, and are few)."""
    named = [step for step in group if step[2] == RESOURCE_POLICY]
    others = [step for step in group if step[2] != RESOURCE_POLICY]
    return named + others[:_INLINE_LIMIT], others[_INLINE_LIMIT:]


def _cost(step: StepLike) -> tuple[int, int, int]:
    """Likeliest to apply and cheapest first: fewer conditions, then a cheaper resource test."""
    test, conditions = step[0], step[1]
    resource = 0 if test is None else 1 if callable(test) else 2
    return len(conditions), resource, sum(condition.cost for condition in conditions)


def _first_allow(
    head: Sequence[StepLike],
    rest: Sequence[StepLike],
    guards: _Guards,
    names: _Names,
    any_applies: Callable[[Sequence[StepLike]], AnyApplies],
) -> list[str]:
    """The body of a ``while True:`` that stops at the policy type's first applicable Allow (a
    resource policy's: at its first direct grant of the caller, keeping the strongest)."""
    lines = []
    flag = _ALLOW_FLAGS.get(head[0][2], "")
    for step in head:
        tests = guards.of(step)
        if step[2] == RESOURCE_POLICY:
            named = f"(named := {names.of('G', step[5].grant_for)}(who)) is not None"
            stronger = "(grant is None or named > grant)"
            lines += [
                f"        if {' and '.join([*tests, named, stronger])}:",
                "            grant = named",
                f"            if named is {names.of('X', Grant.DIRECT)}:",
                "                break",
            ]
            continue
        if not tests:  # always applies: the statements after it are never reached
            return [*lines, f"        {flag} = True", "        break"]
        lines += [
            f"        if {' and '.join(tests)}:",
            f"            {flag} = True",
            "            break",
        ]
    if rest:
        lines += [
            f"        if {names.of('A', any_applies(rest))}(resource, context, memo):",
            f"            {flag} = True",
        ]
    return lines


def build_runner(steps: Sequence[StepLike], slow_resource: object) -> Runner:
    """Compile ``steps`` (``plan.Step`` tuples; ``slow_resource`` is plan's SLOW_RESOURCE)."""
    names = _new_names()
    uses = Counter(condition for step in steps for condition in step[1])
    guards = _Guards(names, slow_resource, [c for c, n in uses.items() if n > 1])
    body = []
    for step in steps:
        tests = guards.of(step)
        indent = "    "
        if tests:
            body.append(f"    if {' and '.join(tests)}:")
            indent = "        "
        body.extend(indent + line for line in _applies(*step[2:], names))
    lines = [
        "def run(resource, context, who):",
        *guards.setup(),
        "    matched = []",
        "    append = matched.append",
        "    deny = a0 = a2 = a3 = a4 = False",
        "    grant = None",
        *body,
        "    return matched, deny, a0, a2, a3, a4, grant",
    ]
    runner: Runner = _compiled("run", lines, names)  # type: ignore[assignment]
    return runner


class _SingleValue:
    """Condition tests written out for a key's single non-empty string value (what
    ``CompiledCondition.holds_any`` does then): a literal equality is a set lookup; a typed
    test reads the value into a local on first need, once per (key, reader). ``None`` for the
    other shapes, which call the condition."""

    def __init__(self, names: _Names) -> None:
        self._names = names
        self.readings: dict[tuple[str, object], str] = {}  # (key, reader) -> local

    def test(self, condition: CompiledCondition, value: str) -> str | None:
        """An expression true when ``condition`` holds for the string in local ``value``."""
        names = self._names
        if condition.null_wanted is not None:
            return None
        if condition.equals is not None:
            text = f"{value}.lower()" if condition.fold else value
            member = "not in" if condition.negated else "in"
            return f"{text} {member} {names.of('E', condition.equals)}"
        if condition.reader is None:
            return None
        local = self.readings.setdefault(
            (condition.key, condition.reader), f"rd{len(self.readings)}"
        )
        read = f"({local} := {names.of('R', condition.reader)}({value}))"
        typed = f"{names.of('Y', condition.typed)}({local} if {local} is not UNREAD else {read})"
        return f"not {typed}" if condition.negated else typed


def build_filter(
    resource_checks: Sequence[tuple[Any, int, int]],
    slow_resource_checks: Sequence[tuple[CompiledStatement, int, int]],
    condition_keys: Sequence[tuple[str, int, int, Sequence[tuple[CompiledCondition, int, int]]]],
) -> Filter:
    """Compile plan.py's checks: ``(test, mask, keep)`` triples, and per context key ``(key,
    mask, keep when the key is missing or an empty set, checks)``; a test runs only while a
    statement that needs it is alive, and clears the bits of the statements it rejects."""
    names = _new_names()
    lines = ["def keep(alive, resource, context, readings):"]
    for test, mask, keep in resource_checks:
        guard = f"alive & {names.of('M', mask)} and not {names.of('T', test)}(resource)"
        lines += [f"    if {guard}:", f"        alive &= {names.of('K', keep)}"]
    for statement, mask, keep in slow_resource_checks:
        matches = names.of("S", statement.matches_resource)
        guard = f"alive & {names.of('M', mask)} and not {matches}(resource, context)"
        lines += [f"    if {guard}:", f"        alive &= {names.of('K', keep)}"]
    for key, key_mask, keep_when_null, checks in condition_keys:
        lines += [
            f"    if alive & {names.of('M', key_mask)}:",
            f"        raw = context.get({names.of('N', key)})",
            "        if raw is None or (len(raw) == 0 and raw.__class__ is not str):",
            f"            alive &= {names.of('K', keep_when_null)}",  # missing key, empty set
            "        elif raw.__class__ is str and raw:",  # one value: the common shapes inlined
            *_single_value_checks(checks, names),
            "        else:",  # a set, or an empty string (null for some operators only)
        ]
        for condition, mask, keep in checks:
            holds = names.of("H", condition.holds)
            guard = f"alive & {names.of('M', mask)} and not {holds}(context, readings)"
            lines += [f"            if {guard}:", f"                alive &= {names.of('K', keep)}"]
        lines += ["        if not alive:", "            return 0"]
    lines.append("    return alive")
    keep_applicable: Filter = _compiled("keep", lines, names)  # type: ignore[assignment]
    return keep_applicable


def _single_value_checks(
    checks: Sequence[tuple[CompiledCondition, int, int]], names: _Names
) -> list[str]:
    """The checks of one key when its value is one non-empty string ``raw``."""
    single = _SingleValue(names)
    lines = []
    for condition, mask, keep in checks:
        inline = single.test(condition, "raw")
        fails = f"not {names.of('H', condition.holds)}(context, readings)"
        if inline is not None:
            fails = f"not ({inline})"
        lines += [
            f"            if alive & {names.of('M', mask)} and {fails}:",
            f"                alive &= {names.of('K', keep)}",
        ]
    return [f"            {local} = UNREAD" for local in single.readings.values()] + lines


def _compiled(name: str, lines: list[str], names: _Names) -> object:
    """The generated function ``name``, bound to the objects of ``names``."""
    namespace = names.namespace
    exec(_code("\n".join(lines) + "\n"), namespace)  # generated names only (module docstring)
    return namespace.pop(name)


@functools.lru_cache(maxsize=2048)
def _code(source: str) -> CodeType:
    """Plans of the same shape have the same source (names are numbered in order), as when
    principals share their policies: compile each shape once (about a millisecond each)."""
    return compile(source, "<rolegate.policy.plan_code>", "exec")


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
