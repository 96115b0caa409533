"""``replace_principals``: a stored policy's AWS principals replaced, every other byte kept."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rolegate.policy.principal_text import replace_principals

BOB = "arn:aws:iam::111122223333:user/bob"
APP = "arn:aws:iam::111122223333:role/app"
IDS = {BOB: "AIDABOB000000000000", APP: "AROAAPP000000000000"}


def test_a_single_value_and_list_values_are_replaced_in_place() -> None:
    text = (
        '{ "Version":"2012-10-17",\n  "Statement": [{"Effect":"Allow", "Principal":'
        f' {{"AWS" :  "{BOB}"}}, "Action":"sts:AssumeRole"}},\n'
        f'  {{"Effect":"Allow","Principal":{{"Service":"ec2.amazonaws.com","AWS":["{APP}", "{BOB}",'
        '"111122223333"]},"Action":"sts:AssumeRole"}]}'
    )
    shown = replace_principals(text, IDS)
    assert shown == text.replace(BOB, IDS[BOB]).replace(APP, IDS[APP])


def test_only_principal_elements_change() -> None:
    """The same ARN as a Condition value, a Sid, a Resource or under another key stays."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": BOB,
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": [BOB]},
                    "Action": "s3:*",
                    "Resource": BOB,
                    "Condition": {"StringEquals": {"aws:PrincipalArn": [BOB], "AWS": BOB}},
                },
                {"Effect": "Allow", "Principal": {"Federated": BOB}, "Action": "sts:*"},
            ],
        },
        indent=3,
    )
    shown = replace_principals(text, IDS)
    assert shown.count(BOB) == text.count(BOB) - 1
    assert json.loads(shown)["Statement"][0]["NotPrincipal"] == {"AWS": [IDS[BOB]]}


def test_escaped_source_text_is_matched_by_its_value_and_the_rest_kept() -> None:
    escaped = BOB.replace("/", "\\/")
    text = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"\\u0041WS":'
        f'"{escaped}"}},"Action":"sts:AssumeRole","Condition":{{"StringLike":{{"x":"caf\\u00e9"}}}}}}}}'
    )
    shown = replace_principals(text, IDS)
    assert shown == text.replace(f'"{escaped}"', f'"{IDS[BOB]}"')


def test_nothing_to_replace_returns_the_text_itself() -> None:
    text = json.dumps({"Statement": [{"Principal": {"AWS": "arn:aws:iam::1:user/other"}}]})
    assert replace_principals(text, IDS) is text
    assert replace_principals(text, {}) is text


def _replaced(policy: Any) -> Any:
    """The structural answer: every AWS principal value in IDS replaced."""
    for statement in policy["Statement"]:
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element)
            if isinstance(principal, dict) and "AWS" in principal:
                value = principal["AWS"]
                if isinstance(value, list):
                    principal["AWS"] = [IDS.get(v, v) for v in value]
                else:
                    principal["AWS"] = IDS.get(value, value)
    return policy


_values = st.sampled_from([BOB, APP, "*", "111122223333", "arn:aws:iam::1:user/x", 'é"\\'])
_principal = st.fixed_dictionaries(
    {"AWS": st.one_of(_values, st.lists(_values, max_size=3))},
    optional={"Service": st.just("ec2.amazonaws.com")},
)
_statement = st.fixed_dictionaries(
    {"Effect": st.just("Allow"), "Action": st.just("sts:AssumeRole")},
    optional={
        "Principal": _principal,
        "NotPrincipal": _principal,
        "Condition": st.fixed_dictionaries({"StringEquals": st.fixed_dictionaries({"k": _values})}),
        "Sid": _values,
    },
)


@given(
    st.lists(_statement, min_size=1, max_size=3),
    st.sampled_from([None, 0, 2]),
    st.sampled_from([(",", ":"), (", ", ": "), (" ,", " :  ")]),
    st.booleans(),
)
def test_the_replaced_text_parses_to_the_structurally_replaced_policy(
    statements: list[Any], indent: int | None, separators: tuple[str, str], ascii_only: bool
) -> None:
    policy = {"Version": "2012-10-17", "Statement": statements}
    text = json.dumps(policy, indent=indent, separators=separators, ensure_ascii=ascii_only)
    assert json.loads(replace_principals(text, IDS)) == _replaced(json.loads(text))
