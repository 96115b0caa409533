"""``request_from_json``: the JSON request of ``rolegate policy eval`` (and of callers that hold
one) to a :class:`Request`, and what each malformed request gets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rolegate.policy.cases import CaseError, request_from_json
from rolegate.policy.request import Principal, Request

SESSION = {
    "type": "role_session",
    "arn": "arn:aws:sts::111122223333:assumed-role/app/s1",
    "account": "111122223333",
    "role_arn": "arn:aws:iam::111122223333:role/app",
    "id": "AROAAPP:s1",
    "unique_id": "AROAAPP000000000",
}


def _request(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "principal": dict(SESSION),
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::bucket/key",
        "resource_account": "111122223333",
        "context": {"aws:SourceIp": "10.0.0.1"},
    }
    request.update(changes)
    return request


def test_every_field_is_read() -> None:
    context = {
        "aws:SourceIp": "10.0.0.1",
        "aws:TagKeys": ["team", "env"],
        "s3:max-keys": 10,
        "aws:SecureTransport": True,
        "k:float": 1.5,
        "k:flags": [False, 2, "x"],
        "s3:prefix": "",
        "aws:PrincipalTag/none": [],
    }
    text = json.dumps(_request(context=context))
    assert request_from_json(json.loads(text)) == Request(
        principal=Principal(
            type="role_session",
            arn="arn:aws:sts::111122223333:assumed-role/app/s1",
            account="111122223333",
            role_arn="arn:aws:iam::111122223333:role/app",
            id="AROAAPP:s1",
            unique_id="AROAAPP000000000",
        ),
        action="s3:GetObject",
        resource="arn:aws:s3:::bucket/key",
        resource_account="111122223333",
        context={
            "aws:SourceIp": "10.0.0.1",
            "aws:TagKeys": ["team", "env"],
            "s3:max-keys": "10",
            "aws:SecureTransport": "true",
            "k:float": "1.5",
            "k:flags": ["false", "2", "x"],
            "s3:prefix": "",
            "aws:PrincipalTag/none": [],
        },
    )


def test_absent_fields_take_their_defaults() -> None:
    request = request_from_json({"principal": {"type": "anonymous"}, "action": "s3:GetObject"})
    assert request == Request(Principal("anonymous", ""), "s3:GetObject", "*", None, {})
    assert request_from_json(_request(context=None)).context == {}


def test_tuples_are_sequences_of_values_too() -> None:
    """Callers that build the object in Python may use tuples where JSON has arrays."""
    request = request_from_json(_request(context={"aws:TagKeys": ("a", 1)}))
    assert request.context == {"aws:TagKeys": ["a", "1"]}


@pytest.mark.parametrize(
    ("request_json", "message"),
    [
        ([], '"request" must be an object'),
        (None, '"request" must be an object'),
        (_request(principal=None), '"principal" needs a "type" among user, role_session'),
        (_request(principal="alice"), '"principal" needs a "type" among'),
        (_request(principal={"arn": "x"}), '"principal" needs a "type" among'),
        (_request(principal={"type": "robot"}), '"principal" needs a "type" among'),
        (_request(principal={**SESSION, "arn": 7}), '"principal.arn" must be a string'),
        (_request(principal={**SESSION, "account": 111}), '"principal.account" must be a string'),
        (_request(principal={**SESSION, "role_arn": []}), '"principal.role_arn" must be'),
        (_request(principal={**SESSION, "user_arn": {}}), '"principal.user_arn" must be'),
        (_request(principal={**SESSION, "id": 1}), '"principal.id" must be a string'),
        (_request(principal={**SESSION, "unique_id": 1}), '"principal.unique_id" must be'),
        ({"principal": SESSION}, '"action" must be a string'),
        (_request(action=["s3:GetObject"]), '"action" must be a string'),
        (_request(resource=None), '"resource" must be a string'),
        (_request(resource_account=111122223333), '"resource_account" must be a string'),
        (_request(context=["aws:SourceIp"]), '"context" must be an object'),
        (_request(context="aws:SourceIp=1"), '"context" must be an object'),
        (_request(context={"k": None}), "context values are strings, numbers, booleans or lists"),
        (_request(context={"k": {"a": 1}}), "context values are strings, numbers, booleans"),
        (_request(context={"k": ["a", ["b"]]}), "context values are strings, numbers, booleans"),
        (_request(context={"k": [None]}), "context values are strings, numbers, booleans"),
    ],
)
def test_a_malformed_request_gets_a_case_error(request_json: object, message: str) -> None:
    with pytest.raises(CaseError) as raised:
        request_from_json(request_json)
    assert str(raised.value).startswith(message)
