"""Wildcard matching without catastrophic backtracking (issue 13, finding 1).

Two kinds of proof:

* properties: the matchers of :mod:`rolegate.policy.wildcard` (static patterns, literal pieces,
  templates with variables) agree with a slow, obviously correct matcher written here (memoized
  recursion over pattern x value) on random patterns full of ``*`` and ``?``;
* adversarial patterns, on their own and through the whole engine (``evaluate_case``, the library
  entry of ``rolegate policy eval``), decided in a CPU-time bound far above what they take
  (well under 10 ms) and far below what they took before the fix (seconds, or never).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.policy.cases import evaluate_case
from rolegate.policy.validate_principals import trust_action_allowed
from rolegate.policy.variables import RegexTemplate, TemplatePart, Variable
from rolegate.policy.wildcard import Piece, build_matcher, compile_glob

# --- the slow reference ------------------------------------------------------------------------
STAR, ONE = "STAR", "ONE"
Token = tuple[str, str | bool]  # (STAR | ONE, may match ":") or ("char", the character)


def reference_tokens(pieces: Sequence[Piece], *, arn: bool) -> list[Token]:
    """Per character: in ARN patterns a wildcard before the fifth colon may not match a colon."""
    tokens: list[Token] = []
    colons = 0
    for text, literal in pieces:
        for char in text:
            any_char = not arn or colons >= 5
            colons += char == ":"
            if literal or char not in "*?":
                tokens.append(("char", char))
            else:
                tokens.append((STAR if char == "*" else ONE, any_char))
    return tokens


def reference_match(pieces: Sequence[Piece], value: str, *, arn: bool) -> bool:
    tokens = reference_tokens(pieces, arn=arn)

    @functools.cache
    def match(i: int, j: int) -> bool:  # tokens[i:] match value[j:]
        if i == len(tokens):
            return j == len(value)
        kind, arg = tokens[i]
        fits = j < len(value) and (value[j] == arg if kind == "char" else arg or value[j] != ":")
        if kind == STAR:
            return match(i + 1, j) or (fits and match(i, j + 1))
        return fits and match(i + 1, j + 1)

    return match(0, 0)


def test_the_reference_itself() -> None:
    assert reference_match([("a*b?", False)], "axxbc", arn=False)
    assert not reference_match([("a*b", False)], "a:b", arn=True)  # a fixed ARN segment
    assert reference_match([("a:b:c:d:e:*", False)], "a:b:c:d:e:x:y", arn=True)  # resource part
    assert not reference_match([("a*", True)], "ab", arn=False)  # a literal "*"


# --- properties --------------------------------------------------------------------------------
PATTERN_CHARS = "ab:/*?\n"
VALUE_CHARS = "ab:/\n"
SETTINGS = settings(max_examples=500, deadline=None)


@st.composite
def pattern_and_value(draw: st.DrawFn, *, arn: bool) -> tuple[str, str]:
    """A pattern (ARN-shaped with five colons half the time) and a value: random, or made from
    the pattern by filling its wildcards and then perhaps changing one character."""
    pattern = draw(st.text(PATTERN_CHARS, max_size=24))
    if arn and draw(st.booleans()):
        fixed = draw(st.lists(st.text("ab*?", max_size=4), min_size=4, max_size=4))
        pattern = ":".join(["arn", *fixed, pattern])
    if draw(st.booleans()):
        return pattern, draw(st.text(VALUE_CHARS, max_size=32))
    filled = [
        draw(st.text(VALUE_CHARS, max_size=4))
        if c == "*"
        else draw(st.sampled_from(VALUE_CHARS))
        if c == "?"
        else c
        for c in pattern
    ]
    value = "".join(filled)
    if value and draw(st.booleans()):
        at = draw(st.integers(0, len(value) - 1))
        value = value[:at] + draw(st.sampled_from(VALUE_CHARS)) + value[at + 1 :]
    return pattern, value


@SETTINGS
@given(pattern_and_value(arn=False))
def test_plain_globs_agree_with_the_reference(case: tuple[str, str]) -> None:
    pattern, value = case
    expected = reference_match([(pattern, False)], value, arn=False)
    assert bool(build_matcher(pattern, arn=False)(value)) is expected


@SETTINGS
@given(pattern_and_value(arn=True))
def test_arn_globs_agree_with_the_reference(case: tuple[str, str]) -> None:
    pattern, value = case
    # A lone "*" matches every value, colons included (build_matcher's first fast path).
    expected = pattern == "*" or reference_match([(pattern, False)], value, arn=True)
    assert bool(build_matcher(pattern, arn=True)(value)) is expected


pieces_strategy = st.lists(st.tuples(st.text(PATTERN_CHARS, max_size=8), st.booleans()), max_size=5)


@SETTINGS
@given(pieces_strategy, st.text(VALUE_CHARS + "*?", max_size=24), st.booleans())
def test_literal_pieces_never_act_as_wildcards(pieces: list[Piece], value: str, arn: bool) -> None:
    expected = reference_match(pieces, value, arn=arn)
    assert bool(compile_glob(pieces, arn=arn)(value)) is expected


KEYS = ("k1", "k2")
template_parts = st.lists(
    st.tuples(st.text(PATTERN_CHARS, max_size=8), st.booleans())
    | st.sampled_from(KEYS).map(lambda key: Variable(key, None)),
    max_size=5,
)
contexts = st.dictionaries(st.sampled_from(KEYS), st.text(VALUE_CHARS + "*?", max_size=6))


@SETTINGS
@given(template_parts, contexts, st.text(VALUE_CHARS + "*?", max_size=24), st.booleans())
def test_templates_with_variables_agree_with_the_reference(
    parts: list[TemplatePart], context: dict[str, str], value: str, arn: bool
) -> None:
    """A variable's value is literal text; a variable without a value matches nothing. (ARN
    templates with a variable in the fixed segments take the translate-per-call path.)"""
    substituted = [
        part if isinstance(part, tuple) else (context.get(part.key), True) for part in parts
    ]
    if any(text is None for text, _ in substituted):
        expected = False
    else:
        expected = reference_match(substituted, value, arn=arn)  # type: ignore[arg-type]
    assert RegexTemplate(parts, arn=arn).matches(value, context) is expected


# --- adversarial patterns ----------------------------------------------------------------------
BOUND = 0.05  # CPU seconds: the issue asks for "well under 10 ms"; margin for a loaded machine
USER_ARN = "arn:aws:iam::111122223333:user/"
ANY_ACCOUNT_USER = "arn:aws:iam::*:user/"
ISSUE_PATTERN = ANY_ACCOUNT_USER + "a*" * 8 + "b"  # 10-14 s before the fix
LONG_A = "a" * 10_000


def cpu_seconds(call: Callable[[], object]) -> float:
    """The least CPU time of three calls (this process's, so other work on the machine hardly
    counts)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        call()
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("pattern", "value", "arn", "expected"),
    [
        (ISSUE_PATTERN, USER_ARN + "a" * 64, True, False),
        (ISSUE_PATTERN, USER_ARN + "a" * 63 + "b", True, True),
        (ISSUE_PATTERN.replace("a*" * 8, "a*" * 30), USER_ARN + "a" * 64, True, False),
        ("a*" * 50 + "b", LONG_A, False, False),
        ("a*" * 50 + "b", LONG_A + "b", False, True),
        ("*a" * 50 + "*b", LONG_A, False, False),
        ("*?" * 50 + "b", LONG_A, False, False),
        ("*" + "a?" * 25 + "b" + "*a" * 25, LONG_A, False, False),
        ("*" + "a" * 500 + "b*", LONG_A, False, False),  # a long run: O(value x run) at worst
        (USER_ARN + "a*" * 50 + "b", USER_ARN + LONG_A, True, False),
        (
            "arn:aws:iam::" + "1*" * 50 + "2:user/x",
            "arn:aws:iam::" + "1" * 10_000 + ":user/x",
            True,
            False,
        ),
        (
            "arn:aws:iam::" + "?*" * 50 + ":user/" + "*a" * 50,
            "arn:aws:iam::" + "1" * 50 + ":user/" + LONG_A,
            True,
            True,
        ),
    ],
)
def test_adversarial_patterns_are_decided_at_once(
    pattern: str, value: str, arn: bool, expected: bool
) -> None:
    matcher = build_matcher(pattern, arn=arn)
    assert bool(matcher(value)) is expected
    assert cpu_seconds(lambda: matcher(value)) < BOUND


@pytest.mark.timeout(30)
def test_adversarial_template_with_a_variable_is_decided_at_once() -> None:
    parts: list[TemplatePart] = [("a*" * 25, False), Variable("k1", None), ("a*" * 25 + "b", False)]
    template = RegexTemplate(parts, arn=False)
    context = {"k1": "a*a?"}  # literal: matches only those four characters
    assert template.matches("a" * 30 + "a*a?" + "a" * 30 + "b", context)
    assert not template.matches(LONG_A, context)
    assert cpu_seconds(lambda: template.matches(LONG_A, context)) < BOUND


@pytest.mark.timeout(30)
def test_adversarial_trust_policy_action_is_validated_at_once() -> None:
    """A trust policy's Action may be a wildcard that covers an AssumeRole action; this one
    covers none, and it took 0.4 s per action before the fix (a trust policy lists dozens)."""
    assert trust_action_allowed("sts:" + "*?" * 3 + "ole")  # sts:AssumeRole
    hostile = "sts:" + "*?" * 20 + "x"  # short enough for sts:AssumeRoleWithWebIdentity
    assert not trust_action_allowed(hostile)
    assert cpu_seconds(lambda: trust_action_allowed(hostile)) < BOUND


# --- the same through the whole engine ---------------------------------------------------------
ALICE = {"type": "user", "arn": USER_ARN + "alice", "account": "111122223333", "id": "AIDA1"}
HOSTILE = "a*" * 50 + "b"


def _case(statement: Mapping[str, Any], **request: Any) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    fields = {"principal": ALICE, "action": "iam:GetUser", "resource": "*", "context": {}}
    return {"policies": {"identity": [document]}, "request": {**fields, **request}}


ENGINE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "Resource": (
        {"Action": "iam:GetUser", "Resource": ANY_ACCOUNT_USER + HOSTILE},
        {"resource": USER_ARN + LONG_A},
        {"resource": USER_ARN + LONG_A + "b"},
    ),
    "NotResource": (
        {"Action": "iam:GetUser", "NotResource": USER_ARN + HOSTILE},
        {"resource": USER_ARN + LONG_A + "b"},
        {"resource": USER_ARN + LONG_A},
    ),
    "Action": (
        {"Action": "iam:" + HOSTILE, "Resource": "*"},
        {"action": "iam:" + LONG_A},
        {"action": "iam:" + LONG_A + "b"},
    ),
    "StringLike": (
        {"Action": "*", "Resource": "*", "Condition": {"StringLike": {"aws:UserAgent": HOSTILE}}},
        {"context": {"aws:UserAgent": LONG_A}},
        {"context": {"aws:UserAgent": LONG_A + "b"}},
    ),
    "ForAnyValue:StringNotLike": (
        {
            "Action": "*",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringNotLike": {"aws:TagKeys": [HOSTILE, "x"]}},
        },
        {"context": {"aws:TagKeys": ["x", LONG_A + "b"]}},
        {"context": {"aws:TagKeys": ["x", LONG_A]}},
    ),
    "ArnLike": (
        {
            "Action": "*",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": USER_ARN + HOSTILE}},
        },
        {"context": {"aws:SourceArn": USER_ARN + LONG_A}},
        {"context": {"aws:SourceArn": USER_ARN + LONG_A + "b"}},
    ),
    "ForAllValues:ArnLike": (
        {
            "Action": "*",
            "Resource": "*",
            "Condition": {"ForAllValues:ArnLike": {"aws:SourceArn": ANY_ACCOUNT_USER + HOSTILE}},
        },
        {"context": {"aws:SourceArn": [USER_ARN + LONG_A + "b", USER_ARN + LONG_A]}},
        {"context": {"aws:SourceArn": [USER_ARN + LONG_A + "b"]}},
    ),
    "Resource with a variable": (
        {"Action": "iam:GetUser", "Resource": USER_ARN + "${aws:username}/" + HOSTILE},
        {"resource": USER_ARN + "alice/" + LONG_A, "context": {"aws:username": "alice"}},
        {"resource": USER_ARN + "alice/" + LONG_A + "b", "context": {"aws:username": "alice"}},
    ),
    "StringLike with a variable": (
        {
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:UserAgent": "a*" * 25 + "${aws:username}" + HOSTILE}},
        },
        {"context": {"aws:UserAgent": LONG_A, "aws:username": "alice"}},
        {"context": {"aws:UserAgent": "a" * 30 + "alice" + LONG_A + "b", "aws:username": "alice"}},
    ),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("element", list(ENGINE_CASES))
def test_the_engine_decides_adversarial_patterns_at_once(element: str) -> None:
    """Each element's hostile pattern against a 10 kB value: denied, and allowed on the value
    that does match it; both decided within the bound."""
    statement, denied, allowed = ENGINE_CASES[element]
    assert evaluate_case(_case(statement, **denied)).effect == "ImplicitDeny"
    assert evaluate_case(_case(statement, **allowed)).effect == "Allow"
    assert cpu_seconds(lambda: evaluate_case(_case(statement, **denied))) < BOUND
