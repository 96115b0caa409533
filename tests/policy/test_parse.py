"""parse_policy: JSON text -> AST, positions, value normalization, grammar shapes."""

from __future__ import annotations

import json

import pytest

from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy import (
    ConditionClause,
    PolicyDocument,
    PolicyParseError,
    Position,
    PrincipalSet,
    parse_policy,
)
from rolegate.policy.parser import split_condition_operator

TEXT = """{
  "Version": "2012-10-17",
  "Id": "doc-1",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": ["s3:Get*", "s3:List*"],
      "Resource": "arn:aws:s3:::b/*",
      "Condition": {
        "NumericLessThan": {"s3:max-keys": [10, 1.50, -0, 2e3]},
        "Bool": {"aws:SecureTransport": true}
      }
    },
    {"Effect": "Deny", "Principal": {"AWS": ["*", "111122223333"], "Service": "ec2.amazonaws.com"},
     "NotAction": "iam:*", "NotResource": []}
  ]
}"""


def test_document_fields_and_statement_order() -> None:
    document = parse_policy(TEXT)
    assert isinstance(document, PolicyDocument)
    assert (document.version, document.id, document.source) == ("2012-10-17", "doc-1", TEXT)
    first, second = document.statements
    assert (first.index, first.sid, first.effect) == (0, "First", "Allow")
    assert first.action == ("s3:Get*", "s3:List*")
    assert first.resource == ("arn:aws:s3:::b/*",)
    assert (first.not_action, first.not_resource, first.principal) == (None, None, None)
    assert (second.index, second.sid, second.effect) == (1, None, "Deny")
    assert (second.action, second.not_action) == (None, ("iam:*",))
    assert (second.resource, second.not_resource) == (None, ())  # empty list kept as ()
    assert second.conditions == ()


def test_positions_of_statements_and_condition_keys_are_one_based() -> None:
    first, second = parse_policy(TEXT).statements
    assert first.position == Position(line=5, column=5)
    assert second.position == Position(line=15, column=5)
    assert first.conditions == (
        ConditionClause(
            operator="NumericLessThan",
            key="s3:max-keys",
            values=("10", "1.50", "-0", "2e3"),
            position=Position(line=11, column=29),
        ),
        ConditionClause(
            operator="Bool",
            key="aws:SecureTransport",
            values=("true",),
            position=Position(line=12, column=18),
        ),
    )


def test_condition_values_are_plain_strings_in_source_form() -> None:
    text = json.dumps(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"k": ["a", 7, False, 0.25]}, "Null": {"n": []}},
            }
        }
    )
    clauses = parse_policy(text).statements[0].conditions
    assert [clause.values for clause in clauses] == [("a", "7", "false", "0.25"), ()]
    assert all(type(value) is str for clause in clauses for value in clause.values)


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("*", PrincipalSet(wildcard=True)),
        ({"AWS": "*"}, PrincipalSet(wildcard=True, aws=("*",))),
        ({"AWS": ["111122223333", "*"]}, PrincipalSet(wildcard=True, aws=("111122223333", "*"))),
        ({"AWS": "111122223333"}, PrincipalSet(wildcard=False, aws=("111122223333",))),
        (
            {
                "Service": ["a.amazonaws.com"],
                "Federated": "www.amazon.com",
                "CanonicalUser": "abc",
            },
            PrincipalSet(
                wildcard=False,
                service=("a.amazonaws.com",),
                federated=("www.amazon.com",),
                canonical_user=("abc",),
            ),
        ),
        ({}, PrincipalSet(wildcard=False)),
    ],
)
def test_principal_forms(principal: object, expected: PrincipalSet) -> None:
    for element in ("Principal", "NotPrincipal"):
        text = json.dumps({"Statement": {"Effect": "Allow", element: principal, "Action": "*"}})
        statement = parse_policy(text).statements[0]
        parsed = statement.principal if element == "Principal" else statement.not_principal
        assert parsed == expected


def test_single_statement_object_is_a_list_of_one() -> None:
    text = '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'
    (statement,) = parse_policy(text).statements
    assert (statement.index, statement.position) == (0, Position(1, 15))


def test_unknown_operator_with_empty_body_yields_no_clause() -> None:
    text = '{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"Whatever": {}}}}'
    assert parse_policy(text).statements[0].conditions == ()


def test_effect_case_is_kept_as_written() -> None:
    text = '{"Statement": {"Effect": "dENY", "Action": "*"}}'
    assert parse_policy(text).statements[0].effect == "dENY"


@pytest.mark.parametrize(
    ("text", "position", "detail"),
    [
        ("", Position(1, 1), "expecting value"),
        ('{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}', Position(3, 24), "double quotes"),
        ('{"Statement": {"Effect": "Allow"}} x', Position(1, 36), "extra data"),
        ('{"Statement": {"Effect": "Allow", "Effect": "Deny"}}', Position(1, 35), "duplicate"),
        ('{"Statement": {"Effect": "Allow"}, "Statement": []}', Position(1, 36), "duplicate"),
        ('{"Statement": {"Effect": "Allow", "Action": [1]}}', Position(1, 35), "Action"),
        ('{"Statement": {"Effect": "Maybe"}}', Position(1, 16), "Effect"),
        ('{"Statement": {"Effect": "Allow", "Foo": 1}}', Position(1, 35), "'Foo'"),
        ('{"Version": null, "Statement": {"Effect": "Allow"}}', Position(1, 2), "Version"),
        (
            '{"Statement": {"Effect": "Allow", "Principal": "arn:aws:iam::1:root"}}',
            Position(1, 35),
            "Principal",
        ),
        (
            '{"Statement": {"Effect": "Allow", "Condition": {"StringLike": {"k": [["x"]]}}}}',
            Position(1, 64),
            "condition values",
        ),
        ('{"Statement": [NaN]}', Position(1, 16), "NaN is not JSON"),
        ('{"Statement": ["\x01"]}', Position(1, 17), "control"),
    ],
)
def test_syntax_errors_carry_position_and_detail(
    text: str, position: Position, detail: str
) -> None:
    with pytest.raises(PolicyParseError) as raised:
        parse_policy(text)
    error = raised.value
    assert isinstance(error, MalformedPolicyDocument)
    assert error.message == "Syntax errors in policy."
    assert detail.lower() in error.detail.lower()
    assert error.position == position


def test_deep_nesting_is_a_syntax_error_not_a_recursion_error() -> None:
    for opener, closer in (("[", "]"), ('{"a":', "}")):
        text = '{"Statement": ' + opener * 5000 + "1" + closer * 5000 + "}"
        with pytest.raises(PolicyParseError, match=r"Syntax errors in policy\."):
            parse_policy(text)


def test_nesting_gets_one_answer_whatever_the_callers_stack() -> None:
    """json.loads recurses per level up to the interpreter's limit, minus the frames already on
    the stack: 600 levels decode at the top of a stack and raise RecursionError under 900
    frames. Both are the same syntax error (the grammar never nests more than five levels)."""
    text = '{"Statement": [{"Effect": "Allow", "Sid": ' + "[" * 600 + "]" * 600 + "}]}"
    answers: list[str] = []

    def under(frames: int) -> None:
        if frames:
            under(frames - 1)
            return
        with pytest.raises(PolicyParseError) as raised:
            parse_policy(text)
        answers.append(raised.value.message)

    under(0)
    under(900)
    assert answers == ["Syntax errors in policy."] * 2


def test_non_string_input_is_a_syntax_error() -> None:
    with pytest.raises(PolicyParseError):
        parse_policy(b'{"Statement": []}')  # type: ignore[arg-type]


def test_crlf_and_tabs_positions() -> None:
    text = '{\r\n\t"Statement": [\r\n\t\t{"Effect": "Allow", "Action": "*"}]}'
    assert parse_policy(text).statements[0].position == Position(line=3, column=3)


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", (None, "StringEquals", False)),
        ("StringLikeIfExists", (None, "StringLike", True)),
        ("ForAnyValue:StringLikeIfExists", ("ForAnyValue", "StringLike", True)),
        ("ForAllValues:NumericLessThan", ("ForAllValues", "NumericLessThan", False)),
        ("Null", (None, "Null", False)),
        ("ForAnyValue::StringEquals", None),
        ("ForAnyValue:ForAllValues:StringEquals", None),
        ("StringEqualz", None),
        ("stringequals", None),
        ("IfExists", None),
        ("StringEqualsIfExistsIfExists", None),
    ],
)
def test_split_condition_operator(
    operator: str, expected: tuple[str | None, str, bool] | None
) -> None:
    assert split_condition_operator(operator) == expected
