"""The service-linked role catalogue: the built-in file, the operator's overlay, bad files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from rolegate.catalog import aws_managed_catalogue
from rolegate.catalog.operator_services import CATALOG_ENV
from rolegate.catalog.service_linked_roles import (
    NOT_CREATABLE_CATEGORIES,
    NotCreatable,
    not_creatable,
    parse_catalog,
    parse_not_creatable,
    service_catalog,
)
from rolegate.domain.instance_profile import RoleUsage


def test_builtin_services() -> None:
    catalog = service_catalog({})
    asg = catalog["autoscaling.amazonaws.com"]
    assert asg.role_name == "AWSServiceRoleForAutoScaling"
    assert asg.custom_suffix_allowed is True
    assert asg.policy_arns == (
        "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy",
    )
    assert catalog["ecs.amazonaws.com"].custom_suffix_allowed is False
    assert all(s.role_name.startswith("AWSServiceRoleFor") for s in catalog.values())
    assert all(s.in_use == () for s in catalog.values())


def test_operator_file_adds_and_overrides_and_is_reread(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    entry = {"role_name": "AWSServiceRoleForECSCustom", "custom_suffix_allowed": True}
    path.write_text(json.dumps({"services": {"ecs.amazonaws.com": entry}}))
    catalog = service_catalog({CATALOG_ENV: str(path)})
    assert catalog["ecs.amazonaws.com"].role_name == "AWSServiceRoleForECSCustom"
    assert catalog["ecs.amazonaws.com"].policy_arns == ()
    assert "autoscaling.amazonaws.com" in catalog  # built-ins stay

    usage = [{"Region": "eu-west-1", "Resources": ["arn:aws:ecs:eu-west-1:1:cluster/c"]}]
    path.write_text(json.dumps({"services": {"ecs.amazonaws.com": {**entry, "in_use": usage}}}))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = service_catalog({CATALOG_ENV: str(path)})
    assert again["ecs.amazonaws.com"].in_use == (
        RoleUsage("eu-west-1", ("arn:aws:ecs:eu-west-1:1:cluster/c",)),
    )


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ([], "expected an object with a 'services' object"),
        ({"services": {"x": {}}}, "needs a string 'role_name'"),
        ({"services": {"x": {"role_name": "MyRole"}}}, "must start with AWSServiceRoleFor"),
        (
            {"services": {"x": {"role_name": "AWSServiceRoleForX", "policy_arns": "arn"}}},
            "'policy_arns' must be a list",
        ),
        (
            {"services": {"x": {"role_name": "AWSServiceRoleForX", "in_use": [{"Region": 1}]}}},
            "'in_use' entries",
        ),
    ],
)
def test_bad_catalogues_are_refused_with_a_reason(data: object, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_catalog(data, "test")


def test_unreadable_operator_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=CATALOG_ENV):
        service_catalog({CATALOG_ENV: str(path)})


def test_missing_operator_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=CATALOG_ENV):
        service_catalog({CATALOG_ENV: str(tmp_path / "absent.json")})


def test_every_builtin_service_is_well_formed_and_its_policies_exist() -> None:
    catalog = service_catalog({})
    assert len(catalog) > 100
    policies = aws_managed_catalogue()
    for name, service in catalog.items():
        assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com", name), name
        assert re.fullmatch(r"AWSServiceRoleFor[A-Za-z0-9_+=,.@-]+", service.role_name), name
        assert len(service.role_name) <= 64, name
        assert service.policy_arns, name
        for arn in service.policy_arns:
            policy = policies.by_arn(arn)
            assert policy is not None and policy.path == "/aws-service-role/", (name, arn)
    role_names = [s.role_name for s in catalog.values()]
    assert len(set(role_names)) == len(role_names)
    assert {n for n, s in catalog.items() if s.custom_suffix_allowed} >= {
        "autoscaling.amazonaws.com",
        "lexv2.amazonaws.com",
    }


def test_builtin_not_creatable_entries_are_service_role_policies_no_service_attaches() -> None:
    explained = not_creatable()
    assert len(explained) > 10
    policies = aws_managed_catalogue()
    attached = {arn.lower() for s in service_catalog({}).values() for arn in s.policy_arns}
    for arn, entry in explained.items():
        assert entry.policy_arn == arn
        assert entry.category in NOT_CREATABLE_CATEGORIES, arn
        assert entry.reason and "\n" not in entry.reason, arn
        assert entry.url is None or entry.url.startswith("https://docs.aws.amazon.com/"), arn
        policy = policies.by_arn(arn)
        assert policy is not None and policy.path == "/aws-service-role/", arn
        assert arn.lower() not in attached, arn


def test_not_creatable_is_not_a_service() -> None:
    data = {
        "services": {"x.amazonaws.com": {"role_name": "AWSServiceRoleForX"}},
        "not_creatable": {"arn:p": {"category": "retired", "reason": "gone"}},
    }
    assert list(parse_catalog(data, "test")) == ["x.amazonaws.com"]
    assert parse_not_creatable(data, "test") == {"arn:p": NotCreatable("arn:p", "retired", "gone")}
    assert parse_not_creatable({"services": {}}, "test") == {}


@pytest.mark.parametrize(
    ("section", "complaint"),
    [
        ([], "'not_creatable' must be an object"),
        ({"arn:p": "gone"}, "expected an object"),
        ({"arn:p": {"category": "gone", "reason": "r"}}, "'category' must be one of"),
        ({"arn:p": {"category": "retired"}}, "'reason' must be a one-line string"),
        ({"arn:p": {"category": "retired", "reason": "a\nb"}}, "'reason' must be a one-line"),
        ({"arn:p": {"category": "retired", "reason": "r", "url": "ftp://x"}}, "'url' must be"),
    ],
)
def test_bad_not_creatable_entries_are_refused(section: object, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_not_creatable({"services": {}, "not_creatable": section}, "test")
