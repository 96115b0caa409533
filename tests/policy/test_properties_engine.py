"""Properties of the compiled engine, checked against the slow reference evaluator.

Issue 3 -> Tests: a Deny never turns a Deny into Allow, an Allow never turns an Allow into a deny,
statement and policy order never matter, a boundary or session policy only narrows, and the
compiled engine agrees with the reference on generated policies and requests.
"""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from policy.engine_strategies import (
    compile_set,
    document,
    documents,
    policy_docs,
    requests,
    statements,
)
from rolegate.policy.ast import PolicyDocument, Statement
from rolegate.policy.decision import ALLOW
from rolegate.policy.evaluate import evaluate
from rolegate.policy.plan import STRATEGIES
from rolegate.policy.reference import reference_evaluate
from rolegate.policy.request import Request

Docs = dict[str, object]  # policy_docs(): the policies of one decision, by slot

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AGREEMENT = settings(SETTINGS, max_examples=150)


def _decide(docs: dict[str, object], request: Request) -> str:
    return evaluate(request, compile_set(docs)).effect


@AGREEMENT
@given(policy_docs(), st.lists(requests(), min_size=1, max_size=5))
def test_compiled_engine_agrees_with_reference(docs: Docs, reqs: list[Request]) -> None:
    # every way of walking the candidates (statement by statement, test by test over bitsets)
    for strategy in STRATEGIES:
        policies = compile_set(docs, strategy=strategy)
        for request in reqs:
            assert evaluate(request, policies) == reference_evaluate(request, policies), strategy


@SETTINGS
@given(policy_docs(), requests(), statements(resource_policy=False, effect="Deny"), st.data())
def test_adding_a_deny_never_turns_a_deny_into_allow(
    docs: Docs, request: Request, deny: Statement, data: st.DataObject
) -> None:
    before = _decide(docs, request)
    slot = data.draw(st.sampled_from(["identity", "boundary", "session", "resource"]))
    _add_statement(docs, slot, deny, data)
    after = _decide(docs, request)
    assert before == ALLOW or after != ALLOW


@SETTINGS
@given(policy_docs(), requests(), statements(resource_policy=False, effect="Allow"), st.data())
def test_adding_an_allow_never_turns_an_allow_into_a_deny(
    docs: Docs, request: Request, allow: Statement, data: st.DataObject
) -> None:
    before = _decide(docs, request)
    slot = data.draw(st.sampled_from(["identity", "boundary", "session", "resource"]))
    _add_statement(docs, slot, allow, data)
    after = _decide(docs, request)
    assert before != ALLOW or after == ALLOW


@SETTINGS
@given(policy_docs(), requests(), st.randoms(use_true_random=False))
def test_statement_and_policy_order_never_matter(
    docs: Docs, request: Request, rng: random.Random
) -> None:
    policies = compile_set(docs)
    before = evaluate(request, policies)
    shuffled = {k: _shuffled(v, rng) for k, v in docs.items()}
    after = evaluate(request, compile_set(shuffled))
    assert after.effect == before.effect
    assert set(after.matched) == set(before.matched)
    assert set(after.missing_allow) == set(before.missing_allow)


@SETTINGS
@given(policy_docs(), requests(), documents(), st.sampled_from(["boundary", "session"]))
def test_boundary_and_session_policies_only_narrow(
    docs: Docs, request: Request, extra: PolicyDocument, slot: str
) -> None:
    if slot == "boundary":
        docs["boundary"] = None
        before = _decide(docs, request)
        docs["boundary"] = extra
    else:
        # A federated user without a session policy has no permissions at all ("Policies and
        # permissions in IAM" -> *Session policies*): its first session policy is what grants.
        assume(docs["session"] or request.principal.type != "federated_user")
        before = _decide(docs, request)
        session = docs["session"]
        assert session is None or isinstance(session, list)
        docs["session"] = [*(session or []), extra]
    assert before == ALLOW or _decide(docs, request) != ALLOW


def _add_statement(docs: Docs, slot: str, statement: Statement, data: st.DataObject) -> None:
    if slot == "resource":
        principal = data.draw(statements(resource_policy=True)).principal
        statement = dataclasses.replace(statement, principal=principal)
    current = docs[slot]
    if slot in ("identity", "session"):
        if not current:
            if slot == "session":
                return  # adding a first session policy is the "only narrows" property
            docs[slot] = [document([statement])]
            return
        assert isinstance(current, list)
        target = current[0]
        docs[slot] = [_with(target, statement), *current[1:]]
    elif current is not None:  # a first boundary or resource policy is another property
        assert isinstance(current, PolicyDocument)
        docs[slot] = _with(current, statement)


def _with(doc: PolicyDocument, statement: Statement) -> PolicyDocument:
    return document([*doc.statements, statement], doc.version, doc.id)


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, list):
        items = [_shuffled(v, rng) for v in value]
        rng.shuffle(items)
        return items
    if isinstance(value, PolicyDocument):
        statements = list(value.statements)
        rng.shuffle(statements)
        return PolicyDocument(value.version, value.id, tuple(statements), value.source)
    return value
