"""Properties: parse/validate raise only the engine's errors; the AST mirrors the JSON text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy import PolicyKind, PolicyParseError, find_problems, parse_policy
from rolegate.policy.ast import Position

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

# Values that land in every branch of the grammar checks: right and wrong types alike.
words = st.sampled_from(
    ["*", "s3:GetObject", "sts:AssumeRole", "iam:*", "", "invalid", "a:b:c", "arn:aws", "x y:z"]
)
arns = st.sampled_from(
    [
        "arn:aws:s3:::b/*",
        "arn:aws:s3::b",
        "arn:aws:iam::111122223333:user/Bob",
        "arn:aws:iam:us-east-1::x",
        "arn:aws:iam::111122223333:user/*",
        "a:b:c",
        "111122223333",
        "ec2.amazonaws.com",
    ]
)
strings_or_lists = st.one_of(words, arns, st.lists(words | arns, max_size=3))
loose = st.one_of(strings_or_lists, json_values)
operators = st.sampled_from(
    ["StringEquals", "ForAnyValue:StringLikeIfExists", "DateGreaterThan", "Bogus", "Null", "Bool"]
)
condition_values = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.sampled_from(["2020-01-01T00:00:00Z", "01T", "9" * 40, "-5", "2016-13-01"]),
)
conditions = st.dictionaries(
    operators,
    st.dictionaries(
        st.text(max_size=10), condition_values | st.lists(condition_values, max_size=3), max_size=2
    )
    | loose,
    max_size=3,
)
principals = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Other"]),
        strings_or_lists,
        max_size=3,
    ),
    loose,
)
statement_fields: dict[str, st.SearchStrategy[Any]] = {
    "Sid": st.one_of(st.sampled_from(["A1", "A1", "bad sid", ""]), loose),
    "Effect": st.one_of(st.sampled_from(["Allow", "Deny", "allow", "Nope"]), loose),
    "Principal": principals,
    "NotPrincipal": principals,
    "Action": strings_or_lists | loose,
    "NotAction": strings_or_lists,
    "Resource": strings_or_lists | loose,
    "NotResource": strings_or_lists,
    "Condition": conditions | loose,
    "Extra": loose,
}
statements = st.fixed_dictionaries(
    {}, optional={key: strategy for key, strategy in statement_fields.items()}
)
policy_shaped = st.fixed_dictionaries(
    {"Statement": st.one_of(statements, st.lists(statements, max_size=4), loose)},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "2020-01-01"]) | loose,
        "Id": st.text(max_size=5) | loose,
    },
)


def assert_only_engine_errors(text: str) -> None:
    try:
        document = parse_policy(text)
    except PolicyParseError as error:
        assert error.message == "Syntax errors in policy."
        return
    for kind in PolicyKind:
        for finding in find_problems(document, kind):
            assert finding.message
            assert finding.statement_index is None or finding.statement_index >= 0


@SETTINGS
@given(json_values)
def test_arbitrary_json_raises_only_engine_errors(value: object) -> None:
    assert_only_engine_errors(json.dumps(value))


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_engine_errors(text: str) -> None:
    assert_only_engine_errors(text)


@SETTINGS
@given(policy_shaped, st.sampled_from([None, 0, 2, "\t"]))
def test_policy_shaped_json_raises_only_engine_errors(policy: object, indent: Any) -> None:
    assert_only_engine_errors(json.dumps(policy, indent=indent))


@SETTINGS
@given(policy_shaped)
def test_validate_policy_raises_malformed_policy_document_or_returns(policy: object) -> None:
    from rolegate.policy import validate_policy

    text = json.dumps(policy)
    for kind in PolicyKind:
        try:
            document = validate_policy(text, kind)
        except MalformedPolicyDocument as error:
            assert error.code == "MalformedPolicyDocument" and error.message
        else:
            assert document.source == text


# --- the AST mirrors well-formed input ----------------------------------------------------------
names = st.text(alphabet="abcXYZ019:*/?-_ ${}", min_size=1, max_size=12)
name_lists = st.lists(names, min_size=1, max_size=3)
good_statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": names | name_lists,
        "Resource": names | name_lists,
    },
    optional={
        "Sid": names,
        "Condition": st.dictionaries(
            st.sampled_from(["StringEquals", "ForAllValues:StringLike", "NumericLessThanIfExists"]),
            st.dictionaries(
                names,
                st.one_of(names, st.integers(), st.booleans(), st.lists(names, max_size=3)),
                min_size=1,
                max_size=3,
            ),
            max_size=3,
        ),
    },
)
good_policies = st.fixed_dictionaries(
    {"Version": st.just("2012-10-17"), "Statement": st.lists(good_statements, min_size=1)}
)


def as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def as_condition_values(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(json.dumps(item) if not isinstance(item, str) else item for item in items)


def offset_of(text: str, position: Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: position.line - 1]) + position.column - 1


@SETTINGS
@given(good_policies, st.sampled_from([None, 1, 4]))
def test_ast_mirrors_the_json_and_positions_point_at_the_source(
    policy: dict[str, Any], indent: int | None
) -> None:
    text = json.dumps(policy, indent=indent)
    document = parse_policy(text)
    assert document.version == "2012-10-17"
    assert len(document.statements) == len(policy["Statement"])
    for index, (raw, statement) in enumerate(
        zip(policy["Statement"], document.statements, strict=True)
    ):
        assert statement.index == index
        assert statement.effect == raw["Effect"]
        assert statement.sid == raw.get("Sid")
        assert statement.action == as_tuple(raw["Action"])
        assert statement.resource == as_tuple(raw["Resource"])
        assert text[offset_of(text, statement.position)] == "{"
        expected = [
            (operator, key, as_condition_values(values))
            for operator, body in raw.get("Condition", {}).items()
            for key, values in body.items()
        ]
        assert [(c.operator, c.key, c.values) for c in statement.conditions] == expected
        for clause in statement.conditions:
            at = offset_of(text, clause.position)
            assert json.loads(text[at : at + len(json.dumps(clause.key))]) == clause.key


@SETTINGS
@given(good_policies)
def test_whitespace_does_not_change_the_ast(policy: dict[str, Any]) -> None:
    compact, pretty = parse_policy(json.dumps(policy)), parse_policy(json.dumps(policy, indent=3))

    def without_positions(document: Any) -> list[Any]:
        return [
            (
                s.sid,
                s.effect,
                s.action,
                s.resource,
                [(c.operator, c.key, c.values) for c in s.conditions],
            )
            for s in document.statements
        ]

    assert without_positions(compact) == without_positions(pretty)


@SETTINGS
@given(good_policies, st.data())
def test_any_duplicate_key_is_a_syntax_error(policy: dict[str, Any], data: st.DataObject) -> None:
    statement = data.draw(st.sampled_from(policy["Statement"]))
    key = data.draw(st.sampled_from(sorted(statement)))
    text = json.dumps(policy)
    marker = json.dumps(statement)
    duplicated = marker[:-1] + f", {json.dumps(key)}: {json.dumps(statement[key])}}}"
    try:
        parse_policy(text.replace(marker, duplicated, 1))
    except PolicyParseError as error:
        assert "duplicate" in error.detail
    else:
        raise AssertionError("duplicate key accepted")


tricky_text = st.text(
    alphabet=st.sampled_from(['"', "\\", "{", "}", ":", ",", " ", "\n", "a", "\u00e9", "\u2028"])
    | st.characters(),
    max_size=8,
)


@SETTINGS
@given(
    st.dictionaries(tricky_text, tricky_text | st.lists(tricky_text, max_size=2), max_size=4),
    st.booleans(),
    st.sampled_from([None, 2]),
)
def test_condition_key_positions_survive_escapes_and_braces(
    body: dict[str, Any], ascii_only: bool, indent: int | None
) -> None:
    policy = {
        "Statement": [
            {"Sid": '{"}:', "Effect": "Allow", "Action": "*", "Condition": {"StringEquals": body}}
        ]
    }
    text = json.dumps(policy, ensure_ascii=ascii_only, indent=indent)
    (statement,) = parse_policy(text).statements
    assert text[offset_of(text, statement.position)] == "{"
    assert [clause.key for clause in statement.conditions] == list(body)
    for clause in statement.conditions:
        encoded = json.dumps(clause.key, ensure_ascii=ascii_only)
        at = offset_of(text, clause.position)
        assert text[at : at + len(encoded)] == encoded


# --- no false positives: documents built only from valid pieces validate cleanly --------------
valid_actions = st.builds(
    lambda vendor, name: f"{vendor}:{name}",
    st.sampled_from(["s3", "iam", "ec2", "sts", "dynamodb", "a-b.c"]),
    st.text(alphabet="AbcGetList*?", min_size=1, max_size=10),
)
valid_resources = st.one_of(
    st.just("*"),
    st.builds(
        lambda service, region, account, rest: f"arn:aws:{service}:{region}:{account}:{rest}",
        st.sampled_from(["s3x", "ec2", "dynamodb", "logs"]),
        st.sampled_from(["", "*", "eu-west-1"]),
        st.sampled_from(["", "*", "111122223333"]),
        st.text(alphabet="abc/*?${}:-", min_size=1, max_size=12),
    ),
    st.builds(lambda name: f"arn:aws:iam::111122223333:role/{name}", st.text("abc*", max_size=5)),
)
valid_conditions = st.dictionaries(
    st.sampled_from(
        ["StringLike", "ForAnyValue:StringEquals", "ArnLikeIfExists", "NumericLessThan", "Null"]
    ),
    st.dictionaries(st.text("abc:/", min_size=1, max_size=6), st.text(max_size=6), max_size=2),
    max_size=2,
) | st.just({"DateGreaterThan": {"aws:CurrentTime": ["2020-01-01T00:00:00Z", "1700000000"]}})
valid_statements = st.lists(
    st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": st.lists(valid_actions, min_size=1, max_size=3) | st.just("*"),
            "Resource": st.lists(valid_resources, min_size=1, max_size=3),
        },
        optional={"Condition": valid_conditions},
    ),
    min_size=1,
    max_size=4,
)


@SETTINGS
@given(valid_statements, st.sampled_from(["identity", "boundary", "session", "scp"]))
def test_documents_of_valid_pieces_have_no_findings(
    statements: list[dict[str, Any]], kind: str
) -> None:
    for index, statement in enumerate(statements):
        statement["Sid"] = f"S{index}"
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    document = parse_policy(text)
    assert find_problems(document, PolicyKind(kind)) == []
    with_principal = [{**statements[0], "Principal": {"AWS": "111122223333"}}, *statements[1:]]
    text = json.dumps({"Version": "2012-10-17", "Statement": with_principal})
    assert [finding.message for finding in find_problems(parse_policy(text), PolicyKind(kind))] == [
        "Policy document should not specify a principal."
    ]
