"""Runs validation_cases/*.json through the library (the CLI runner is test_validate_cli.py)."""

from __future__ import annotations

from typing import Any

import pytest

from policy.validation_corpus import MALFORMED, VALID, policy_text
from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy import PolicyKind, find_problems, parse_policy, validate_policy


@pytest.mark.parametrize("case", MALFORMED, ids=[case["id"] for case in MALFORMED])
def test_malformed_policy_gets_aws_message(case: dict[str, Any]) -> None:
    with pytest.raises(MalformedPolicyDocument) as raised:
        validate_policy(policy_text(case), PolicyKind(case["kind"]))
    assert raised.value.message == case["error"]
    assert raised.value.code == "MalformedPolicyDocument"
    assert raised.value.status == 400


@pytest.mark.parametrize("case", VALID, ids=[case["id"] for case in VALID])
def test_valid_policy_is_accepted(case: dict[str, Any]) -> None:
    text = policy_text(case)
    document = validate_policy(text, PolicyKind(case["kind"]))
    assert document.source == text
    assert find_problems(parse_policy(text), PolicyKind(case["kind"])) == []


def test_case_files_are_well_formed() -> None:
    for case in MALFORMED + VALID:
        assert set(case) <= {"id", "kind", "policy", "error", "source"}, case["id"]
        assert case["source"].startswith(("aws-recorded", "aws-doc:", "unverified")), case["id"]
    ids = [case["id"] for case in MALFORMED + VALID]
    assert len(ids) == len(set(ids))
    # every AWS message constant is exercised by at least one case
    from rolegate.policy import messages

    constants = {
        value for name, value in vars(messages).items() if name.isupper() and isinstance(value, str)
    }
    assert constants <= {case["error"] for case in MALFORMED}
