"""Unit tests of the compiler pieces and the decision API (the corpus covers the AWS rules)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy.ast import ConditionClause, PolicyDocument, Position, Statement
from rolegate.policy.compile import PolicyCompiler
from rolegate.policy.conditions import UnsupportedConditionOperator
from rolegate.policy.decision import Decision, MatchedStatement
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.plan import STRATEGIES
from rolegate.policy.request import Principal, Request, lowered_context
from rolegate.policy.typed_values import read_date, read_ip, read_number
from rolegate.policy.variables import Variable, parse_template
from rolegate.policy.wildcard import build_matcher

ALICE = Principal("user", "arn:aws:iam::111122223333:user/alice", "111122223333", id="AIDA1")


def _policy(*statements: dict[str, object], version: str | None = "2012-10-17") -> str:
    body: dict[str, object] = {"Statement": list(statements)}
    if version:
        body["Version"] = version
    return json.dumps(body)


def _allow(condition: dict[str, object]) -> str:
    return _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": condition})


def _decide(text: str, context: dict[str, object] | None = None, **request: object) -> str:
    compiled = PolicyCompiler().compile(text, policy_id="p")
    fields: dict[str, object] = {
        "principal": ALICE,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "resource_account": "111122223333",
        "context": context or {},
    }
    fields.update(request)
    decisions = {  # every way of walking the candidates (plan.py) gives the same decision
        evaluate(Request(**fields), PolicySet(identity=(compiled,), strategy=strategy))  # type: ignore[arg-type]
        for strategy in STRATEGIES
    }
    assert len(decisions) == 1, decisions
    return decisions.pop().effect


# --- compiler ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "operator", ["StringEqualz", "NullIfExists", "ForAnyValue:Nope", "stringequals", "IfExists"]
)
def test_unknown_condition_operators_are_rejected_never_ignored(operator: str) -> None:
    clause = ConditionClause(operator, "aws:SourceIp", ("1.2.3.4",), Position(1, 1))
    statement = Statement(
        0, None, "Allow", None, None, ("s3:*",), None, ("*",), None, (clause,), Position(1, 1)
    )
    document = PolicyDocument("2012-10-17", None, (statement,), source="")
    with pytest.raises(UnsupportedConditionOperator) as caught:
        PolicyCompiler().compile(document, policy_id="p")
    assert isinstance(caught.value, MalformedPolicyDocument)
    with pytest.raises(MalformedPolicyDocument):  # from text: the parser or the compiler
        PolicyCompiler().compile(_allow({operator: {"aws:SourceIp": "1.2.3.4"}}), policy_id="p")


def test_compile_cache_shares_bodies_by_content_and_keeps_each_policy_id() -> None:
    compiler = PolicyCompiler(max_entries=2)
    text = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    first, second = compiler.compile(text, policy_id="a"), compiler.compile(text, policy_id="b")
    assert first.statements is second.statements
    assert (first.policy_id, second.policy_id) == ("a", "b")
    for n in range(3):
        compiler.compile(_policy({"Sid": f"S{n}", "Effect": "Deny", "Action": "*"}), policy_id="x")
    assert len(compiler) == 2
    assert compiler.compile(text, policy_id="c").statements is not first.statements


def test_documents_can_be_dropped_after_compiling() -> None:
    compiled = PolicyCompiler(keep_documents=False).compile(
        _policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}), policy_id="p"
    )
    assert compiled.document is None
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", "111122223333")
    assert evaluate(request, PolicySet(identity=(compiled,))).effect == "Allow"


def test_malformed_json_raises_the_engine_error() -> None:
    with pytest.raises(MalformedPolicyDocument):
        PolicyCompiler().compile("{", policy_id="p")


# --- wildcards and variables -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "value", "arn", "expected"),
    [
        ("*", "anything:at/all", True, True),
        ("s3:get*", "s3:getobject", False, True),
        ("s3:get?", "s3:getab", False, False),
        ("a.b", "axb", False, False),
        ("a*", "a\nb", False, True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/x:y", True, True),
        ("arn:aws:*:*:*:x", "arn:aws:s3:::x", True, True),
        ("arn:aws:s3*", "arn:aws:s3:::x", True, False),
        ("arn:aws:sqs:*:q", "arn:aws:sqs:us-east-1:1:q", True, False),
    ],
)
def test_matchers(pattern: str, value: str, arn: bool, expected: bool) -> None:
    assert bool(build_matcher(pattern, arn=arn)(value)) is expected


def test_templates_read_variables_defaults_and_special_characters() -> None:
    parts = parse_template(
        "a/${aws:UserName}/${aws:PrincipalTag/t, 'x y'}${*}${?}${$}${}", variables_enabled=True
    )
    assert parts == (
        ("a/", False),
        Variable("aws:username", None),
        ("/", False),
        Variable("aws:principaltag/t", "x y"),
        ("*", True),
        ("?", True),
        ("$", True),
        ("${}", False),
    )
    assert parse_template("${aws:username}", variables_enabled=False) == (
        ("${aws:username}", False),
    )


# --- typed values ------------------------------------------------------------------------------
def test_typed_readers() -> None:
    assert read_date("1700000000") == read_date("2023-11-14T22:13:20Z") == 1700000000
    assert read_date("2023-11-14T22:13:20") == 1700000000  # no zone: UTC
    assert read_date("2023-11-14T23:13:20+01:00") == 1700000000
    assert read_date("yesterday") is None
    assert read_number("1e3") == read_number("1000.0")
    assert read_number("NaN") is None
    assert read_ip("10.0.0.1") == (4, 0x0A000001)
    assert read_ip("10.0.0.01") is None  # no leading zeros, as the ipaddress module
    assert read_ip("2001:db8::1") == (6, 0x20010DB8 << 96 | 1)
    assert read_ip(" 10.0.0.1 ") == (4, 0x0A000001)  # the slow path strips
    assert read_ip("10.0.0.1/8") is None
    assert read_date("2024-01-01T00:00:00+01:00") == read_date("2023-12-31T23:00:00Z")
    assert read_date(" 2024-01-01 ") == read_date("2024-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::5"}, True),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "10.0.0.1"}, False),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "::ffff:10.0.0.1"}, False),
        ({"Bool": {"aws:SecureTransport": "True"}}, {"aws:SecureTransport": "TRUE"}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "1"}, False),
        ({"Null": {"k": ["true", "false"]}}, {}, True),
        ({"Null": {"k": "true"}}, {"k": []}, True),
        ({"DateEquals": {"t": "2024-01-01"}}, {"t": "2024-01-01T00:00:00Z"}, True),
        ({"NumericNotEquals": {"n": ["1", "2"]}}, {"n": "3"}, True),
        ({"NumericNotEquals": {"n": ["1", "2"]}}, {"n": "2.0"}, False),
        ({"StringLike": {"k": "${aws:username}-*"}}, {"k": "alice-1"}, True),
        ({"ArnLike": {"k": "arn:aws:iam::${aws:PrincipalAccount}:*"}}, {"k": ALICE.arn}, True),
        ({"StringEquals": {"k": "${aws:TagKeys}"}}, {"k": "a", "aws:TagKeys": ["a"]}, False),
        ({"ForAllValues:StringLike": {"k": "a*"}}, {"k": ["ab", "ac"]}, True),
        ({"ForAnyValue:StringEquals": {"k": "z"}}, {"k": ["ab", "ac"]}, False),
    ],
)
def test_conditions(
    condition: dict[str, object], context: dict[str, object], expected: bool
) -> None:
    assert (_decide(_allow(condition), context) == "Allow") is expected


def test_variables_in_conditions_need_version_2012() -> None:
    doc = _policy(
        {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"k": "${aws:username}"}},
        },
        version="2008-10-17",
    )
    assert _decide(doc, {"k": "alice"}) == "ImplicitDeny"
    assert _decide(doc, {"k": "${aws:username}"}) == "Allow"


# --- request and decision ----------------------------------------------------------------------
def test_context_keys_are_lower_cased_and_principal_keys_derived() -> None:
    request = Request(ALICE, "s3:GetObject", "*", None, {"AWS:SourceIp": "1.2.3.4"})
    context = lowered_context(request)
    assert context["aws:sourceip"] == "1.2.3.4"
    assert context["aws:username"] == "alice"
    assert context["aws:principaltype"] == "User"
    assert context["aws:principalarn"] == ALICE.arn
    assert context["aws:userid"] == "AIDA1"
    override = Request(ALICE, "s3:GetObject", "*", None, {"aws:username": "other"})
    assert lowered_context(override)["aws:username"] == "other"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_decision_lists_matched_statements_in_policy_order_and_to_json(strategy: str) -> None:
    compiler = PolicyCompiler()
    first = _policy({"Sid": "A", "Effect": "Allow", "Action": "*"})
    policies = PolicySet(
        identity=(
            compiler.compile(first, policy_id="p1"),
            compiler.compile(
                _policy(
                    {"Sid": "N", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                    {"Sid": "D", "Effect": "Deny", "Action": "s3:Get*", "Resource": "*"},
                ),
                policy_id="p2",
            ),
            compiler.compile(first, policy_id="p3"),  # same text: one shared compiled body
        ),
        strategy=strategy,
    )
    decision = evaluate(Request(ALICE, "S3:GetObject", "arn:aws:s3:::b"), policies)
    assert decision == Decision(
        "ExplicitDeny",
        (
            MatchedStatement("identity", "p1", "A", 0, "Allow"),
            MatchedStatement("identity", "p2", "N", 0, "Allow"),
            MatchedStatement("identity", "p2", "D", 1, "Deny"),
            MatchedStatement("identity", "p3", "A", 0, "Allow"),
        ),
        (),
    )
    assert decision.to_json()["matched"][2] == {  # type: ignore[index]
        "policy_type": "identity",
        "policy_id": "p2",
        "sid": "D",
        "index": 1,
        "effect": "Deny",
    }
    iam = evaluate(Request(ALICE, "iam:GetUser", "*"), policies)
    assert [(m.policy_id, m.sid) for m in iam.matched] == [("p1", "A"), ("p3", "A")]


def test_policy_set_rejects_an_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'fastest'"):
        PolicySet(strategy="fastest")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_one_source_ip_read_serves_every_condition_on_it(strategy: str) -> None:
    """Typed request values are read once per decision and shared by the conditions."""
    nets = ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "2001:db8::/32"]
    statements: list[dict[str, object]] = [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": net}},
        }
        for i, net in enumerate(nets)
    ]
    compiled = PolicyCompiler().compile(_policy(*statements), policy_id="p")
    policies = PolicySet(identity=(compiled,), strategy=strategy)

    def sids(address: str) -> list[str | None]:
        request = Request(ALICE, "s3:GetObject", "*", None, {"aws:SourceIp": address})
        return [m.sid for m in evaluate(request, policies).matched]

    assert sids("10.1.2.3") == ["S0", "S1"]
    assert sids("192.168.9.9") == ["S2"]
    assert sids("2001:db8::7") == ["S3"]
    assert sids("not-an-address") == []


def test_policy_set_memo_is_bounded_and_keeps_answers() -> None:
    compiled = PolicyCompiler().compile(
        _policy({"Effect": "Allow", "Action": "svc:*", "Resource": "*"}), policy_id="p"
    )
    policies = PolicySet(identity=(compiled,))
    for n in range(5000):
        assert evaluate(Request(ALICE, f"svc:Action{n}", "*"), policies).allowed
    assert len(policies._memo) <= 4096


def test_cli_entry_point_evaluates_a_case(tmp_path: Path) -> None:
    case = {
        "policies": {"identity": [json.loads(_policy({"Effect": "Allow", "Action": "s3:*"}))]},
        "request": {
            "principal": {"type": "user", "arn": ALICE.arn, "account": ALICE.account},
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::b/k",
        },
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    done = subprocess.run(
        [sys.executable, "-m", "rolegate.cli.main", "policy", "eval", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == "Allow"


def test_cli_reads_standard_input() -> None:
    case = {
        "policies": {"identity": [_policy({"Effect": "Deny", "Action": "*", "Resource": "*"})]},
        "request": {"principal": {"type": "user", "arn": ALICE.arn}, "action": "s3:GetObject"},
    }
    done = subprocess.run(
        [sys.executable, "-m", "rolegate.cli.main", "policy", "eval", "-"],
        input=json.dumps([case, case]),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    decisions = [json.loads(line)["decision"] for line in done.stdout.splitlines()]
    assert decisions == ["ExplicitDeny", "ExplicitDeny"]


def test_policy_set_index_is_built_once_under_threads() -> None:
    import threading

    compiled = PolicyCompiler().compile(
        _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), policy_id="p"
    )
    policies = PolicySet(identity=(compiled,))
    results: list[str] = []

    def work(n: int) -> None:
        for k in range(50):
            results.append(evaluate(Request(ALICE, f"s3:A{n}x{k}", "*"), policies).effect)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["Allow"] * 200
    assert len(policies._indexes) == 5


def test_the_compiler_keeps_a_body_per_text_and_principal_bindings() -> None:
    """The same trust text stored before and after its user was re-created compiles twice:
    the bindings are part of the cache key (rolegate.policy.principals)."""
    user = "arn:aws:iam::111122223333:user/alice"
    text = _policy({"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"})
    compiler = PolicyCompiler()
    old = compiler.compile(text, policy_id="t", principal_ids=((user, "AIDAOLD000000000"),))
    new = compiler.compile(text, policy_id="t", principal_ids=((user, "AIDANEW000000000"),))
    assert len(compiler) == 2 and old.principal_ids != new.principal_ids
    caller = Principal("user", user, "111122223333", unique_id="AIDANEW000000000")
    request = Request(caller, "sts:AssumeRole", "arn:aws:iam::111122223333:role/r")
    assert not evaluate(request, PolicySet(resource=old)).allowed
    assert evaluate(request, PolicySet(resource=new)).allowed
    assert compiler.compile(text, policy_id="u", principal_ids=new.principal_ids).statements is (
        new.statements
    )
