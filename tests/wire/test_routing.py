"""route_action and load_service: one port, two services."""

from __future__ import annotations

import pytest

from rolegate.domain.errors import InvalidAction, MissingAction
from rolegate.wire import load_service, route_action


def test_services_are_loaded_once_with_model_metadata() -> None:
    iam, sts = load_service("iam"), load_service("sts")
    assert load_service("iam") is iam
    assert (iam.name, iam.api_version, iam.xml_namespace) == (
        "iam",
        "2010-05-08",
        "https://iam.amazonaws.com/doc/2010-05-08/",
    )
    assert (sts.name, sts.api_version, sts.xml_namespace) == (
        "sts",
        "2011-06-15",
        "https://sts.amazonaws.com/doc/2011-06-15/",
    )
    assert iam.has_operation("CreateRole") and not iam.has_operation("AssumeRole")
    assert sts.has_operation("AssumeRole") and not sts.has_operation("CreateRole")


def test_unknown_service_name() -> None:
    with pytest.raises(ValueError):
        load_service("s3")


def test_operation_sets_are_disjoint() -> None:
    iam_ops = set(load_service("iam").model.operation_names)
    sts_ops = set(load_service("sts").model.operation_names)
    assert not iam_ops & sts_ops


@pytest.mark.parametrize(
    ("action", "scope", "expected"),
    [
        ("CreateRole", None, "iam"),
        ("AssumeRole", None, "sts"),
        ("GetCallerIdentity", "sts", "sts"),
        ("CreateRole", "iam", "iam"),
        # The credential scope decides: an STS action signed for IAM goes to IAM, whose parser
        # then answers InvalidAction for it, as AWS's IAM endpoint would.
        ("AssumeRole", "iam", "iam"),
        ("AssumeRole", "execute-api", "sts"),
    ],
)
def test_route_action(action: str, scope: str | None, expected: str) -> None:
    assert route_action(action, scope).name == expected


def test_scope_routed_unknown_action_is_invalid_action_with_version() -> None:
    service = route_action("AssumeRole", "iam")
    with pytest.raises(InvalidAction) as caught:
        service.parse_request({"Action": "AssumeRole", "Version": "2011-06-15"})
    assert caught.value.message == "Could not find operation AssumeRole for version 2011-06-15"


@pytest.mark.parametrize("action", [None, ""])
@pytest.mark.parametrize("scope", [None, "iam", "sts"])
def test_missing_action(action: str | None, scope: str | None) -> None:
    with pytest.raises(MissingAction) as caught:
        route_action(action, scope)
    assert caught.value.message == "Missing Action"
    assert caught.value.status == 400


def test_unknown_action() -> None:
    with pytest.raises(InvalidAction) as caught:
        route_action("ListBuckets", None)
    assert (
        caught.value.message
        == "Could not find operation ListBuckets for version NO_VERSION_SPECIFIED"
    )
    with pytest.raises(InvalidAction) as caught:
        route_action("ListBuckets", None, version="2010-05-08")
    assert caught.value.message == "Could not find operation ListBuckets for version 2010-05-08"
