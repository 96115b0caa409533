"""The candidate statements of one (action, resource service): how a decision is made from
them, and how it is explained.

Buys decisions over many-policy principals (figures: docs/benchmarks.md,
``bench/policy_eval.py``).

**Decide first.** A decision needs only the Denies that can apply and, per policy type, one
applicable Allow (the resource policy's strongest grant of the caller): ``decide``
(:func:`~rolegate.policy.plan_code.build_decider`) tests the Denies, then each policy type's Allows
until one applies, likeliest and cheapest first. Where thousands of statements can match an
action (an account written with ``s3:*``), an Allow then costs a few statements, not thousands.

**Explain on demand.** The statements that apply, all of them and in the order of the decision's
reasons, are what an explanation lists (:class:`Explainer`, built on the first explanation). Each
candidate statement gets one bit, in policy-type order then policy order. Each distinct test among
them (a static resource matcher, a statement's templated or negated Resource, an interned
condition, a resource-policy Principal) carries the mask of the statements that need it. The walk
starts with every bit set, runs a test only while a statement still set needs it, and clears the
bits of the statements the test rejects; the bits left are the statements that apply. Tests are
pure and total, so running them test by test instead of statement by statement gives the same
answer. When the candidates are fewer than their distinct tests (a few policies: tests are rarely
shared) walking them statement by statement is cheaper; ``run`` is then that walk as generated
code (:mod:`rolegate.policy.plan_code`), which still runs a shared condition once. Both ways find
the same statements (``strategy`` forces one, for the tests and the benchmark).

Built once per (action, resource service) and memoized by the PolicySet: it holds statements and
tests, never request data or decisions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import compress
from typing import Any, NamedTuple, TypeVar

from rolegate.policy.compile import CompiledStatement
from rolegate.policy.conditions import CompiledCondition
from rolegate.policy.decision import POLICY_TYPES, MatchedStatement
from rolegate.policy.index import Entry
from rolegate.policy.plan_code import (
    Decider,
    Filter,
    Runner,
    build_decider,
    build_filter,
    build_runner,
)
from rolegate.policy.request import Principal
from rolegate.policy.wildcard import Matcher

# positions of the policy types in a PolicySet's slots
RESOURCE_POLICY, SESSION_POLICY = POLICY_TYPES.index("resource"), POLICY_TYPES.index("session")
_T = TypeVar("_T", bound=Hashable)
Check = tuple[_T, int, int]  # (test, mask of the statements it decides, the mask's complement)
# (resource test, conditions, policy type position, is_deny, reason, statement); the resource
# test is None for ``*``, a matcher for one static pattern, else SLOW_RESOURCE
# (``CompiledStatement.matches_resource``).
Step = tuple[object, tuple[CompiledCondition, ...], int, bool, MatchedStatement, CompiledStatement]
SLOW_RESOURCE = object()
STRATEGIES = ("auto", "by_statement", "by_test")
_BIT_BYTES = bytes.maketrans(b"01", b"\x00\x01")


class KeyChecks(NamedTuple):
    """The conditions on one context key: when the key has no value (missing, or an empty set)
    each one's answer is fixed at compile time, so one mask operation decides them all;
    otherwise they run one by one, cheapest first."""

    key: str  # lower-cased
    mask: int  # statements with a condition on this key
    keep_when_null: int  # bits to keep when the key is missing or an empty set
    checks: tuple[Check[CompiledCondition], ...]


class Candidates(NamedTuple):
    """What can apply to one (action, resource service); see the module docstring."""

    slots: tuple[tuple[Entry, ...], ...]  # per policy type (identity, resource, boundary, ...)
    needs_context: bool
    resource_required: bool  # the action's resource policy must allow in all cases
    decide: Decider  # the decision (plan_code.build_decider)
    decide_without_session: Decider  # the same without the session policies' statements
    explainer: Explainer  # every statement that applies, on demand


def build_plan(
    slots: tuple[tuple[Entry, ...], ...], *, resource_required: bool, strategy: str = "auto"
) -> Candidates:
    steps: list[Step] = []
    for position, slot in enumerate(slots):
        for statement, reason in slot:
            test: object = None
            if statement.resource_test is not None:  # one static pattern: a shared matcher
                test = statement.resource_test
            elif not statement.resource_any:
                test = SLOW_RESOURCE
            steps.append(
                (test, statement.conditions, position, statement.is_deny, reason, statement)
            )
    decide = build_decider(steps, SLOW_RESOURCE, AnyApplies)
    without_session = [step for step in steps if step[2] != SESSION_POLICY]
    return Candidates(
        slots=slots,
        needs_context=any(s.needs_context for slot in slots for s, _ in slot),
        resource_required=resource_required,
        decide=decide,
        decide_without_session=(
            build_decider(without_session, SLOW_RESOURCE, AnyApplies)
            if len(without_session) < len(steps)
            else decide
        ),
        explainer=Explainer(steps, strategy),
    )


class Explainer:
    """Every statement of a plan that applies to a request, in the order of the decision's
    reasons: statement by statement (``run``) or test by test over bitsets, as ``strategy``
    chooses (module docstring). Built on the first explanation: most decisions never need one."""

    __slots__ = ("_built", "_steps", "_strategy")

    def __init__(self, steps: Sequence[Step], strategy: str) -> None:
        self._steps = tuple(steps)
        self._strategy = strategy
        self._built: _Walks | None = None

    def matched(
        self, resource: str, context: Any, who: Principal, is_session: bool
    ) -> list[MatchedStatement]:
        walks = self._built
        if walks is None:
            walks = self._built = _build_walks(self._steps, self._strategy)
        run = walks.run if is_session else walks.run_without_session
        if run is not None:
            return run(resource, context, who)[0]
        alive = walks.everyone if is_session else walks.without_session
        assert walks.keep_applicable is not None
        alive = walks.keep_applicable(alive, resource, context, {})
        if alive & walks.principal_mask:  # resource policy: the statement must name the caller
            for statement, mask, keep in walks.principal_checks:
                if alive & mask and statement.grant_for(who) is None:
                    alive &= keep
        # The reasons of the bits left, lowest bit first (bytes 0 and 1 select them, in C).
        return list(compress(walks.reasons, bin(alive)[:1:-1].encode().translate(_BIT_BYTES)))


class AnyApplies:
    """Does one of ``steps`` apply (their Principal aside)? The rest of a large group of a
    decider (plan_code.build_decider), decided test by test; built on first use."""

    __slots__ = ("_everyone", "_keep", "_steps")

    def __init__(self, steps: Sequence[Step]) -> None:
        self._steps = tuple(steps)
        self._keep: Filter | None = None
        self._everyone = (1 << len(self._steps)) - 1

    def __call__(self, resource: str, context: Any, memo: Any) -> bool:
        keep = self._keep
        if keep is None:
            keep = self._keep = _build_walks(self._steps, "by_test").keep_applicable
            assert keep is not None
        return keep(self._everyone, resource, context, memo) != 0


class _Walks(NamedTuple):
    reasons: tuple[MatchedStatement, ...]  # by bit
    everyone: int  # every bit
    without_session: int  # every bit but the session policies' (for non-session callers)
    # The tests, run test by test (plan_code.build_filter); None when ``run`` is set.
    keep_applicable: Filter | None
    principal_checks: tuple[Check[CompiledStatement], ...]  # resource-policy statements
    principal_mask: int
    run: Runner | None  # set when walking statement by statement is cheaper (plan_code.py)
    run_without_session: Runner | None  # the same without the session policies' statements


def _build_walks(steps: Sequence[Step], strategy: str) -> _Walks:
    reasons: list[MatchedStatement] = []
    resources: dict[Matcher, int] = {}
    slow: dict[CompiledStatement, int] = {}
    conditions: dict[CompiledCondition, int] = {}
    principals: dict[CompiledStatement, int] = {}
    session = 0
    for test, step_conditions, position, _is_deny, reason, statement in steps:
        bit = 1 << len(reasons)
        reasons.append(reason)
        if test is SLOW_RESOURCE:
            slow[statement] = slow.get(statement, 0) | bit  # (bodies are shared)
        elif test is not None:  # one static pattern: a shared matcher
            matcher: Matcher = test  # type: ignore[assignment]
            resources[matcher] = resources.get(matcher, 0) | bit
        for condition in step_conditions:
            conditions[condition] = conditions.get(condition, 0) | bit
        if position == RESOURCE_POLICY:
            principals[statement] = principals.get(statement, 0) | bit
        elif position == SESSION_POLICY:
            session |= bit
    everyone = (1 << len(reasons)) - 1
    tests = len(resources) + len(slow) + len(conditions)
    by_statement = strategy == "by_statement" or (strategy == "auto" and len(reasons) <= tests)
    # A test needed by many statements first: it is almost surely run anyway, and clears most.
    by_reach = sorted(resources.items(), key=lambda item: -item[1].bit_count())
    run = build_runner(steps, SLOW_RESOURCE) if by_statement else None
    return _Walks(
        reasons=tuple(reasons),
        everyone=everyone,
        without_session=everyone & ~session,
        keep_applicable=(
            None
            if by_statement
            else build_filter(_checks(by_reach), _checks(slow.items()), _by_key(conditions))
        ),
        principal_checks=_checks(principals.items()),
        principal_mask=sum(principals.values()),
        run=run,
        run_without_session=(
            build_runner([step for step in steps if step[2] != SESSION_POLICY], SLOW_RESOURCE)
            if run is not None and session
            else run
        ),
    )


def _checks(items: Iterable[tuple[_T, int]]) -> tuple[Check[_T], ...]:
    return tuple((test, mask, ~mask) for test, mask in items)


def _by_key(conditions: dict[CompiledCondition, int]) -> tuple[KeyChecks, ...]:
    keys: dict[str, list[tuple[CompiledCondition, int]]] = {}
    for condition, mask in conditions.items():
        keys.setdefault(condition.key, []).append((condition, mask))
    groups = []
    for key, items in keys.items():
        items.sort(key=lambda item: (item[0].cost, -item[1].bit_count()))
        killed = 0
        for condition, mask in items:
            if not condition.when_null:
                killed |= mask
        groups.append(KeyChecks(key, _union(items), ~killed, _checks(items)))
    groups.sort(key=lambda group: min(c.cost for c, _m, _k in group.checks))
    return tuple(groups)


def _union(items: Iterable[tuple[CompiledCondition, int]]) -> int:
    union = 0
    for _condition, mask in items:
        union |= mask
    return union
