"""Regression tests of two engine fixes found by a held-out case corpus (issue 14, section 4).

* An empty string is a value for the plain operators (``StringLike ""`` matches it: the S3
  home-folder policy lists the bucket root), and a null data set for the set operators and
  ``Null`` (docs/policy-evaluation.md 4.4-4.6). Checked for every operator and modifier, against the
  reference evaluator, in the compiled engine's every path (the condition itself, the
  statement-by-statement runner and the test-by-test filter of plan.py).
* ``NotPrincipal`` with ``Allow`` grants everyone *but* the principals it names: a caller named
  in any way (its ARN, its role, its account, its unique id) gets nothing (4.3).

The corpus (``corpus/conditions.yaml``, ``corpus/matching.yaml``, ``corpus/principal_ids.yaml``)
holds the documented cases; these tests sweep the shapes.
"""

from __future__ import annotations

import json

import pytest

from rolegate.policy.ast import ConditionClause, Position
from rolegate.policy.compile import Interner, PolicyCompiler
from rolegate.policy.conditions import OPERATORS, CompiledCondition
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.plan import STRATEGIES
from rolegate.policy.reference import condition_holds, reference_evaluate
from rolegate.policy.request import Principal, Request

ACCOUNT = "111122223333"
ALICE = Principal("user", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, id="AIDAALICE")
HOME_FOLDER = {  # "IAM JSON policy elements: Condition operators" -> String condition operators
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "List",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::BUCKET-NAME",
            "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
        }
    ],
}
# Policy values per base operator: an empty one, and one that an empty request value never is.
VALUES = {
    "string": ("", "home/"),
    "string_ignore_case": ("", "Home/"),
    "string_like": ("", "*", "home/*"),
    "numeric": ("10",),
    "date": ("2024-01-01T00:00:00Z",),
    "bool": ("true",),
    "binary": ("",),
    "ip": ("10.0.0.0/8",),
    "arn": ("", "*", "arn:aws:s3:::*"),
    "null": ("true", "false"),
}
MODIFIERS = ("", "IfExists", "ForAllValues:", "ForAnyValue:", "ForAnyValue:+IfExists")


def _operators() -> list[str]:
    names: list[str] = []
    for base, (family, _comparison, _negated) in OPERATORS.items():
        for modifier in MODIFIERS:
            if base == "Null" and modifier:
                continue
            prefix, _, suffix = modifier.partition("+")
            if modifier == "IfExists":
                prefix, suffix = "", "IfExists"
            names.extend(f"{prefix}{base}{suffix}|{value}" for value in VALUES[family])
    return names


@pytest.mark.parametrize("operator_value", _operators())
@pytest.mark.parametrize("raw", ["", [""], ["", "home/"], []], ids=repr)
def test_empty_values_agree_with_the_reference_for_every_operator(
    operator_value: str, raw: str | list[str]
) -> None:
    operator, _, value = operator_value.partition("|")
    clause = ConditionClause(operator, "s3:prefix", (value,), Position(1, 1))
    compiled = CompiledCondition(clause, variables=True, cache=Interner())
    context = {"s3:prefix": raw, "aws:username": "alice"}
    expected = condition_holds(clause, context, var=True)
    assert compiled.holds(context) is expected
    assert compiled.holds_any(context, {}) is expected


@pytest.mark.parametrize(
    ("operator", "values", "holds"),
    [
        ("StringLike", [""], True),  # the home-folder policy's ""
        ("StringLike", ["*"], True),
        ("StringLike", ["home/"], False),
        ("StringEquals", [""], True),
        ("StringEqualsIgnoreCase", [""], True),
        ("StringNotLike", [""], False),
        ("StringNotEquals", ["home/"], True),
        ("StringEqualsIfExists", ["home/"], False),  # present: evaluated, not skipped
        ("ArnLike", ["*"], True),
        ("NumericEquals", ["0"], False),
        ("Null", ["true"], True),  # an empty string is null for Null
        ("ForAllValues:StringEquals", ["home/"], True),  # a null data set
        ("ForAnyValue:StringLike", ["", "*"], False),  # a null data set
    ],
)
def test_an_empty_string_under_each_family(operator: str, values: list[str], holds: bool) -> None:
    clause = ConditionClause(operator, "s3:prefix", tuple(values), Position(1, 1))
    compiled = CompiledCondition(clause, variables=True, cache=Interner())
    assert compiled.holds({"s3:prefix": ""}) is holds


def _statements(count: int, condition: dict[str, object]) -> str:
    """``count`` Allow statements with the same condition on different resources, so that the
    test-by-test filter (plan.py) serves the condition once for all of them."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": f"S{i}",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "arn:aws:s3:::BUCKET-NAME" if i == 0 else f"arn:aws:s3:::b{i}",
                    "Condition": condition,
                }
                for i in range(count)
            ],
        }
    )


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    ("prefix", "effect"),
    [("", "Allow"), ("home/", "Allow"), ("home/alice/", "Allow"), ("home/bob/", "ImplicitDeny")],
)
def test_the_home_folder_policy_in_every_path(strategy: str, prefix: str, effect: str) -> None:
    compiler = PolicyCompiler()
    condition = HOME_FOLDER["Statement"][0]["Condition"]  # type: ignore[index]
    for text in (json.dumps(HOME_FOLDER), _statements(12, condition)):
        policies = PolicySet(identity=(compiler.compile(text, policy_id="p"),), strategy=strategy)
        request = Request(
            ALICE,
            "s3:ListBucket",
            "arn:aws:s3:::BUCKET-NAME",
            ACCOUNT,
            {"s3:prefix": prefix},
        )
        decision = evaluate(request, policies)
        assert decision.effect == effect
        assert decision == reference_evaluate(request, policies)


SESSION = Principal(
    "role_session",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
    ACCOUNT,
    role_arn=f"arn:aws:iam::{ACCOUNT}:role/app",
    id="AROAAPP:s1",
    unique_id="AROAAPP000000000",
)
BOB = Principal("user", "arn:aws:iam::444455556666:user/bob", "444455556666", id="AIDABOB")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    ("listed", "who", "granted"),
    [
        (ALICE.arn, ALICE, False),
        ([ALICE.arn, f"arn:aws:iam::{ACCOUNT}:root"], ALICE, False),
        (ACCOUNT, ALICE, False),
        (SESSION.arn, SESSION, False),
        (SESSION.role_arn, SESSION, False),
        ("AROAAPP000000000", SESSION, False),
        ("444455556666", BOB, False),
        (ALICE.arn, SESSION, True),
        (ALICE.arn, BOB, True),
        (SESSION.arn, ALICE, True),
    ],
)
def test_allow_with_not_principal_never_grants_a_listed_principal(
    strategy: str, listed: str | list[str], who: Principal, granted: bool
) -> None:
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": listed}, "Action": "s3:*"}
    # Many statements sharing the resource test: the test-by-test path checks the principals.
    body = {
        "Version": "2012-10-17",
        "Statement": [
            {**statement, "Sid": f"R{i}", "Resource": "arn:aws:s3:::bucket/*"} for i in range(6)
        ],
    }
    resource = PolicyCompiler().compile(json.dumps(body), policy_id="bucket")
    policies = PolicySet(resource=resource, strategy=strategy)
    request = Request(who, "s3:GetObject", "arn:aws:s3:::bucket/key", ACCOUNT)
    decision = evaluate(request, policies)
    assert len(decision.matched) == (6 if granted else 0)
    assert decision.allowed is (granted and who.account == ACCOUNT)  # across accounts: identity too
    assert decision == reference_evaluate(request, policies)
