"""Decide first, explain on demand (issue 18): a decision tests the Denies and one applicable
Allow per policy type; its ``matched`` statements are listed when first asked, and are then what
the reference evaluator finds."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.engine_strategies import compile_set, document, requests, statements
from rolegate.policy.ast import ConditionClause, Position, Statement
from rolegate.policy.compile import PolicyCompiler
from rolegate.policy.decision import Decision, MatchedStatement, deferred
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.plan import STRATEGIES
from rolegate.policy.reference import reference_evaluate
from rolegate.policy.request import Principal, Request

ALICE = Principal("user", "arn:aws:iam::111122223333:user/alice", "111122223333", id="AIDA1")
REASON = MatchedStatement("identity", "p", "A", 0, "Allow")


class _CountingExplainer:
    def __init__(self) -> None:
        self.requests: list[object] = []

    def explain(self, request: object) -> tuple[MatchedStatement, ...]:
        self.requests.append(request)
        return (REASON,)


def test_matched_is_listed_once_and_only_when_asked() -> None:
    explainer = _CountingExplainer()
    decision = deferred("Allow", (), "the request", explainer)
    assert decision.allowed and decision.missing_allow == ()
    assert explainer.requests == []
    assert decision.matched == (REASON,)
    assert decision.to_json()["matched"] == [REASON.to_json()]
    assert explainer.requests == ["the request"]
    assert decision == Decision("Allow", (REASON,), ())
    assert hash(decision) == hash(Decision("Allow", [REASON]))
    assert decision != Decision("Allow", (), ())
    assert decision != Decision("ImplicitDeny", (REASON,), ())
    assert "matched=(MatchedStatement(" in repr(decision)


def test_a_deny_decides_alone_and_the_explanation_lists_every_statement() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": f"A{i}", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
                for i in range(3)
            ]
            + [{"Sid": "D", "Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}],
        }
    )
    policies = PolicySet(identity=(PolicyCompiler().compile(text, policy_id="p"),))
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k")
    decision = evaluate(request, policies)
    assert decision.effect == "ExplicitDeny"
    assert [m.sid for m in decision.matched] == ["A0", "A1", "A2", "D"]
    assert policies.explain(request) == decision.matched


LARGE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# One more condition per statement, with many distinct values: more distinct shared conditions
# than a decider keeps in locals.
VARIED = st.sampled_from(
    [("NumericLessThan", "s3:max-keys", str(n)) for n in range(3, 12)]
    + [("StringNotEquals", "aws:PrincipalTag/team", f"t{n}") for n in range(40)]
    + [("DateGreaterThan", "aws:CurrentTime", f"{year}-01-01") for year in range(2020, 2032)]
)


@st.composite
def varied_statements(draw: st.DrawFn, *, resource_policy: bool) -> Statement:
    statement = draw(statements(resource_policy=resource_policy))
    if draw(st.booleans()):
        operator, key, value = draw(VARIED)
        extra = ConditionClause(operator, key, (value,), Position(1, 1))
        fields = {name: getattr(statement, name) for name in statement.__slots__}
        statement = Statement(**{**fields, "conditions": (*statement.conditions, extra)})
    return statement


@LARGE
@given(
    st.lists(
        st.lists(varied_statements(resource_policy=False), min_size=30, max_size=60),
        min_size=2,
        max_size=4,
    ),
    st.lists(varied_statements(resource_policy=True), min_size=0, max_size=20),
    st.lists(requests(), min_size=1, max_size=4),
)
def test_large_plans_agree_with_the_reference(
    identity: list[list[Statement]], resource: list[Statement], reqs: list[Request]
) -> None:
    """Hundreds of candidates (more conditions than a decider keeps in locals, resource-policy
    grants of every strength): every strategy of explanation, and the decision itself."""
    docs: dict[str, object] = {
        "identity": [document(items, name=f"P{i}") for i, items in enumerate(identity)],
        "resource": document(resource, name="R") if resource else None,
        "resource_ids": (),
        "boundary": None,
        "session": None,
        "scps": None,
    }
    for strategy in STRATEGIES:
        policies = compile_set(docs, strategy=strategy)
        for request in reqs:
            assert evaluate(request, policies) == reference_evaluate(request, policies), strategy


def _resource_policy(*principals: object, effect: str = "Allow") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": f"R{i}",
                    "Effect": effect,
                    "Principal": {"AWS": principal},
                    "Action": "s3:*",
                    "Resource": "*",
                }
                for i, principal in enumerate(principals)
            ],
        }
    )


SESSION = Principal(
    "role_session",
    "arn:aws:sts::111122223333:assumed-role/app/s1",
    "111122223333",
    role_arn="arn:aws:iam::111122223333:role/app",
    id="AROAAPP:s1",
)
NOTHING = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
    }
)


def test_the_strongest_resource_grant_decides_whatever_the_statement_order() -> None:
    """A grant to the account only delegates; a grant to the caller's own ARN allows alone, and a
    decision that stopped at the first grant it found would miss it (2.4)."""
    compiler = PolicyCompiler()
    grants = ["111122223333", SESSION.role_arn, SESSION.arn]
    for order in (grants, grants[::-1], [grants[1], grants[2], grants[0]]):
        policies = PolicySet(
            resource=compiler.compile(_resource_policy(*order), policy_id="bucket"),
            boundary=compiler.compile(NOTHING, policy_id="boundary"),
        )
        request = Request(SESSION, "s3:GetObject", "arn:aws:s3:::b/k", "111122223333")
        decision = evaluate(request, policies)
        assert decision.effect == "Allow", order
        assert decision == reference_evaluate(request, policies)
    # Without the session's own ARN, the role's grant is limited by the boundary.
    policies = PolicySet(
        resource=compiler.compile(_resource_policy(*grants[:2]), policy_id="bucket"),
        boundary=compiler.compile(NOTHING, policy_id="boundary"),
    )
    request = Request(SESSION, "s3:GetObject", "arn:aws:s3:::b/k", "111122223333")
    assert evaluate(request, policies).missing_allow == ("boundary",)


def test_a_resource_policy_deny_applies_only_to_whom_it_names() -> None:
    compiler = PolicyCompiler()
    allow = _resource_policy(ALICE.arn)
    deny_bob = json.loads(_resource_policy("arn:aws:iam::111122223333:user/bob", effect="Deny"))
    both = json.loads(allow)
    both["Statement"] += [{**s, "Sid": "D"} for s in deny_bob["Statement"]]
    policies = PolicySet(resource=compiler.compile(json.dumps(both), policy_id="bucket"))
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", "111122223333")
    assert evaluate(request, policies).effect == "Allow"
    bob = Principal("user", "arn:aws:iam::111122223333:user/bob", "111122223333")
    assert evaluate(Request(bob, "s3:GetObject", "arn:aws:s3:::b/k"), policies).effect == (
        "ExplicitDeny"
    )
