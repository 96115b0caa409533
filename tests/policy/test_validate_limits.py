"""Policy size quotas: whitespace-free size, exact boundaries, AWS's LimitExceeded texts."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.domain.errors import LimitExceeded, ValidationError
from rolegate.policy import (
    check_inline_policies_size,
    check_managed_policy_size,
    check_session_policy_size,
    check_trust_policy_size,
    policy_size,
)


def document_of_size(size: int, *, padding: str = " ") -> str:
    """A policy whose whitespace-free size is exactly ``size``, padded with whitespace."""
    skeleton = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"%s"}}'
    )
    filler = "x" * (size - len(skeleton % ""))
    return (skeleton % filler).replace(",", "," + padding * 3)


def test_size_ignores_whitespace_everywhere() -> None:
    assert policy_size('{ "a" :\t"b c"\r\n}') == len('{"a":"bc"}')
    assert policy_size("") == 0
    assert policy_size("\u00e9\u00e9") == 2  # characters, not UTF-8 bytes


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.text("ab:/*", max_size=5), st.lists(st.text("xyz*", max_size=4), max_size=3)
    ),
    st.sampled_from([None, 0, 2, 8, "\t"]),
)
def test_size_does_not_depend_on_formatting(policy: dict[str, list[str]], indent: object) -> None:
    compact = json.dumps(policy, separators=(",", ":"))
    assert policy_size(json.dumps(policy, indent=indent)) == len(compact)  # type: ignore[arg-type]


def test_trust_policy_quota_is_2048_without_whitespace() -> None:
    check_trust_policy_size(document_of_size(2048, padding="\n"))
    with pytest.raises(LimitExceeded) as raised:
        check_trust_policy_size(document_of_size(2049))
    assert raised.value.message == "Cannot exceed quota for ACLSizePerRole: 2048"
    assert (raised.value.code, raised.value.status) == ("LimitExceeded", 409)


def test_managed_policy_quota_is_6144_without_whitespace() -> None:
    check_managed_policy_size(document_of_size(6144, padding="\t"))
    with pytest.raises(LimitExceeded) as raised:
        check_managed_policy_size(document_of_size(6145))
    assert raised.value.message == "Cannot exceed quota for PolicySize: 6144"


@pytest.mark.parametrize(
    ("entity_type", "limit"), [("role", 10240), ("user", 2048), ("group", 5120)]
)
def test_inline_policies_quota_is_aggregate(entity_type: str, limit: int) -> None:
    first = document_of_size(limit // 2)
    second = document_of_size(limit - limit // 2, padding="  ")
    check_inline_policies_size(entity_type, "Name-1", [first, second])  # type: ignore[arg-type]
    with pytest.raises(LimitExceeded) as raised:
        check_inline_policies_size(entity_type, "Name-1", [first, second, "{}"])  # type: ignore[arg-type]
    assert raised.value.message == (
        f"Maximum policy size of {limit} bytes exceeded for {entity_type} Name-1"
    )


def test_session_policy_counts_every_character_and_is_a_validation_error() -> None:
    exact = "{" + " " * 2046 + "}"
    check_session_policy_size(exact)
    with pytest.raises(ValidationError) as raised:
        check_session_policy_size(exact + " ")
    assert raised.value.message == (
        f"1 validation error detected: Value '{exact} ' at 'policy' failed to satisfy "
        "constraint: Member must have length less than or equal to 2048"
    )
    assert (raised.value.code, raised.value.status) == ("ValidationError", 400)
