"""The policy simulator's input checks (services/iam/simulator/inputs.py): each ContextKeyType,
ResourceOwner's two forms, the EC2 scenarios of ResourceHandlingOption, entity ARNs."""

from __future__ import annotations

import pytest

from rolegate.domain.errors import InvalidInput
from rolegate.services.iam.simulator import inputs


def entry(kind: str, *values: str) -> dict[str, object]:
    return {"ContextKeyName": "k:k", "ContextKeyType": kind, "ContextKeyValues": list(values)}


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("numeric", "-1.5", "ten"),
        ("boolean", "False", "yes"),
        ("ip", "10.0.0.0/8", "10.0.0.300"),
        ("binary", "QmluYXJ5", "not base64!"),
        ("date", "2026-12-07T10:00:00Z", "yesterday"),
    ],
)
def test_values_read_as_their_type(kind: str, good: str, bad: str) -> None:
    assert inputs.context_entries([entry(kind, good)]) == {
        "k:k": good.lower() if kind == "boolean" else good
    }
    assert inputs.context_entries([entry(f"{kind}List", good, good)]) == {
        "k:k": [good.lower() if kind == "boolean" else good] * 2
    }
    with pytest.raises(InvalidInput) as info:
        inputs.context_entries([entry(kind, bad)])
    assert info.value.message == f"Invalid value for context key k:k of type {kind}: {bad}."


def test_single_valued_types_take_one_value() -> None:
    assert inputs.context_entries([entry("string", "")]) == {"k:k": ""}
    with pytest.raises(InvalidInput) as info:
        inputs.context_entries([entry("string", "a", "b")])
    assert info.value.message == "Context key k:k of type string takes exactly one value."


@pytest.mark.parametrize(
    ("given", "account"),
    [
        ("112233445566", "112233445566"),
        ("arn:aws:iam::112233445566:root", "112233445566"),
        (None, None),
    ],
)
def test_resource_owner_forms(given: str | None, account: str | None) -> None:
    assert inputs.resource_owner(given) == account


@pytest.mark.parametrize(
    "given", ["1234", "arn:aws:iam::112233445566:user/bob", "arn:aws:s3:::112233445566"]
)
def test_resource_owner_refused(given: str) -> None:
    with pytest.raises(InvalidInput) as info:
        inputs.resource_owner(given)
    assert info.value.message == f"'{given}' is not a valid as a Resource Owner."


def test_ec2_scenarios_need_their_resource_types() -> None:
    arns = [
        f"arn:aws:ec2:us-east-1:111122223333:{kind}/x"
        for kind in ("instance", "image", "security-group", "network-interface")
    ]
    inputs.resource_handling("EC2-VPC-InstanceStore", arns)
    with pytest.raises(InvalidInput) as info:
        inputs.resource_handling("EC2-VPC-EBS-Subnet", arns)
    assert info.value.message == (
        "ResourceHandlingOption EC2-VPC-EBS-Subnet requires resources of type: subnet, volume."
    )
    with pytest.raises(InvalidInput):
        inputs.resource_handling("EC2-Classic", arns)


@pytest.mark.parametrize(
    ("arn", "kind", "name"),
    [
        ("arn:aws:iam::111122223333:user/bob", "user", "bob"),
        ("arn:aws:iam::111122223333:group/team/devs", "group", "devs"),
        ("arn:aws:iam::111122223333:role/service/app", "role", "app"),
    ],
)
def test_entity_arns(arn: str, kind: str, name: str) -> None:
    entity = inputs.policy_source(arn)
    assert (entity.kind, entity.name, entity.account) == (kind, name, "111122223333")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sts::111122223333:assumed-role/r/s",
        "arn:aws:iam::111122223333:policy/p",
        "arn:aws:iam::111122223333:user/",
        "arn:aws:iam::aws:user/bob",
        "user/bob",
    ],
)
def test_other_arns_are_no_policy_source(arn: str) -> None:
    with pytest.raises(InvalidInput) as info:
        inputs.policy_source(arn)
    assert info.value.message.startswith(f"Invalid Entity Arn: {arn}")


def test_action_names() -> None:
    assert inputs.action_names(["s3:Get*"], wildcards=True) == ["s3:Get*"]
    for bad in ("s3", ":Get", "s3:"):
        with pytest.raises(InvalidInput):
            inputs.action_names([bad], wildcards=True)
