"""Service-linked roles end to end with boto3 and the AWS CLI, on SQLite and PostgreSQL.

Names of service-linked roles are fixed per account, so tests on the shared server use services
that allow a custom suffix with unique suffixes, or a service that only one test creates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_roles import ALLOW_LIST, TRUST_TEXT, error_of

from conftest_db import fresh_database_url
from harness import Server

ACCOUNT = "123456789012"
ASG = "autoscaling.amazonaws.com"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
WIDGETS_POLICY = "arn:aws:iam::aws:policy/aws-service-role/WidgetsServiceRolePolicy"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def protected(name: str) -> tuple[str, int, str]:
    return (
        "UnmodifiableEntity",
        400,
        f"Cannot perform the operation on the protected role '{name}'"
        " - this role is only modifiable by AWS",
    )


def test_create_returns_the_role_the_catalogue_describes(
    iam: Any, unique: Callable[[str], str]
) -> None:
    suffix = unique("s")
    role = iam.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=suffix)["Role"]
    name = f"AWSServiceRoleForAutoScaling_{suffix}"
    assert role["RoleName"] == name
    assert role["Path"] == f"/aws-service-role/{ASG}/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{ASG}/{name}"
    assert role["RoleId"].startswith("AROA")
    assert role["MaxSessionDuration"] == 3600
    assert role["Description"].startswith("Default Service-Linked Role enables access")
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ASG}, "Action": "sts:AssumeRole"}
        ],
    }
    assert "RoleLastUsed" not in role

    got = iam.get_role(RoleName=name)["Role"]
    assert got["RoleId"] == role["RoleId"] and got["Path"] == role["Path"]
    # The service's managed policy (shipped as an AWS managed policy) is attached.
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [
        {
            "PolicyName": "AutoScalingServiceRolePolicy",
            "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy",
        }
    ]
    listed = iam.list_roles(PathPrefix=f"/aws-service-role/{ASG}/")["Roles"]
    assert name in [r["RoleName"] for r in listed]


def test_description_given_by_the_caller(iam: Any, unique: Callable[[str], str]) -> None:
    suffix = unique("d")
    role = iam.create_service_linked_role(
        AWSServiceName=ASG, CustomSuffix=suffix, Description="mine"
    )["Role"]
    assert role["Description"] == "mine"


def test_duplicates_unknown_services_and_suffix_rules(
    iam: Any, unique: Callable[[str], str]
) -> None:
    suffix = unique("dup")
    iam.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=suffix)
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=suffix.upper())
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        f"Service role name AWSServiceRoleForAutoScaling_{suffix.upper()} has been taken in"
        " this account, please try a different suffix.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com", CustomSuffix="x")
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Custom suffix is not allowed for ecs.amazonaws.com",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="nothing.example.com")
    assert error_of(excinfo)[:2] == ("InvalidInput", 400)
    assert "nothing.example.com" in error_of(excinfo)[2]
    # The service principal is case-sensitive.
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="AutoScaling.amazonaws.com")
    assert error_of(excinfo)[:2] == ("InvalidInput", 400)


def test_a_fixed_name_service_without_suffix(iam: Any) -> None:
    """The only test that creates the RDS role on the shared server."""
    role = iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForRDS"
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Service role name AWSServiceRoleForRDS has been taken in this account,"
        " please try a different suffix.",
    )


def test_the_service_role_path_is_reserved(iam: Any, unique: Callable[[str], str]) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(
            RoleName=unique("sneaky"),
            Path=f"/aws-service-role/{ASG}/",
            AssumeRolePolicyDocument=TRUST_TEXT,
        )
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles",
    )


def test_the_role_is_protected_but_its_description_may_change(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = iam.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=unique("p"))["Role"][
        "RoleName"
    ]
    profile = unique("ip")
    iam.create_instance_profile(InstanceProfileName=profile)
    refused = [
        lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=TRUST_TEXT),
        lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=ALLOW_LIST),
        lambda: iam.delete_role_policy(RoleName=name, PolicyName="p"),
        lambda: iam.delete_role(RoleName=name),
        lambda: iam.update_role(RoleName=name, MaxSessionDuration=7200),
        lambda: iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name),
        lambda: iam.attach_role_policy(RoleName=name, PolicyArn=READ_ONLY),
        lambda: iam.detach_role_policy(RoleName=name, PolicyArn=READ_ONLY),
        lambda: iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=READ_ONLY),
        lambda: iam.delete_role_permissions_boundary(RoleName=name),
    ]
    call: Callable[[], Any]
    for call in refused:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == protected(name)

    iam.update_role(RoleName=name, Description="changed")
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "changed"
    updated = iam.update_role_description(RoleName=name, Description="again")["Role"]
    assert updated["Description"] == "again"
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_delete_succeeds_and_reports_the_task(iam: Any, unique: Callable[[str], str]) -> None:
    name = iam.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=unique("del"))["Role"][
        "RoleName"
    ]
    task_id = iam.delete_service_linked_role(RoleName=name.lower())["DeletionTaskId"]
    assert re.fullmatch(f"task/aws-service-role/{re.escape(ASG)}/{name}/{UUID}", task_id)
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert status["Status"] == "SUCCEEDED"
    assert "Reason" not in status
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    assert error_of(excinfo)[0] == "NoSuchEntity"
    # The name is free again.
    iam.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=name.split("_", 1)[1])


def test_delete_errors(iam: Any, unique: Callable[[str], str]) -> None:
    ordinary, ghost = unique("ordinary"), unique("ghost")
    iam.create_role(RoleName=ordinary, AssumeRolePolicyDocument=TRUST_TEXT)
    for name in (ordinary, ghost):
        with pytest.raises(ClientError) as excinfo:
            iam.delete_service_linked_role(RoleName=name)
        assert error_of(excinfo) == (
            "NoSuchEntity",
            404,
            f"The role with name {name} cannot be found.",
        )
    iam.get_role(RoleName=ordinary)  # still there

    never_issued = "00000000-0000-4000-8000-000000000000"
    unknown = f"task/aws-service-role/{ASG}/AWSServiceRoleForAutoScaling_x/{never_issued}"
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_linked_role_deletion_status(DeletionTaskId=unknown)
    assert error_of(excinfo)[:2] == ("NoSuchEntity", 404)
    for malformed in ("nonsense", "task/aws-service-role/x", "task/other/a/b/c"):
        with pytest.raises(ClientError) as excinfo:
            iam.get_service_linked_role_deletion_status(DeletionTaskId=malformed)
        assert error_of(excinfo)[:2] == ("InvalidInput", 400)


def test_aws_cli(server: Server, unique: Callable[[str], str]) -> None:
    suffix = unique("cli")
    created = server.aws_json(
        "iam",
        "create-service-linked-role",
        "--aws-service-name",
        ASG,
        "--custom-suffix",
        suffix,
    )
    name = created["Role"]["RoleName"]
    task = server.aws_json("iam", "delete-service-linked-role", "--role-name", name)
    status = server.aws_json(
        "iam",
        "get-service-linked-role-deletion-status",
        "--deletion-task-id",
        task["DeletionTaskId"],
    )
    assert status == {"Status": "SUCCEEDED"}


# --- a server with an operator catalogue -----------------------------------------------------


@dataclass
class CatalogServer(Server):
    catalog: Path | None = None
    policies_dir: Path | None = None

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.catalog is not None:
            env["ROLEGATE_SERVICE_CATALOG"] = str(self.catalog)
        if self.policies_dir is not None:
            env["ROLEGATE_AWS_MANAGED_POLICIES_DIR"] = str(self.policies_dir)
        return env


def write_catalog(path: Path, in_use: Sequence[Mapping[str, object]]) -> None:
    entry = {
        "role_name": "AWSServiceRoleForWidgets",
        "policy_arns": [WIDGETS_POLICY],
        "custom_suffix_allowed": False,
        "description": "Lets Widgets manage widgets for you.",
        "in_use": in_use,
    }
    path.write_text(json.dumps({"services": {"widgets.example.com": entry}}))


@pytest.fixture
def catalog_server(backend: str, tmp_path: Path) -> Iterator[CatalogServer]:
    catalog = tmp_path / "services.json"
    write_catalog(catalog, [])
    policies = tmp_path / "aws-policies"
    policies.mkdir()
    (policies / "WidgetsServiceRolePolicy.json").write_text(
        json.dumps(
            {
                "PolicyName": "WidgetsServiceRolePolicy",
                "Path": "/aws-service-role/",
                "Description": "Widgets' permissions",
                "DefaultVersionId": "v1",
                "CreateDate": "2020-01-01T00:00:00+00:00",
                "UpdateDate": "2020-01-01T00:00:00+00:00",
                "Document": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
                },
            }
        )
    )
    with fresh_database_url(backend, tmp_path / "data") as url:
        srv = CatalogServer(tmp_path / "data", url, catalog=catalog, policies_dir=policies)
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()


def test_a_registered_service_that_still_uses_its_role(catalog_server: CatalogServer) -> None:
    iam = catalog_server.client("iam")
    assert catalog_server.catalog is not None
    role = iam.create_service_linked_role(AWSServiceName="widgets.example.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForWidgets"
    assert role["Description"] == "Lets Widgets manage widgets for you."
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForWidgets")
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "WidgetsServiceRolePolicy", "PolicyArn": WIDGETS_POLICY}
    ]
    with pytest.raises(ClientError) as excinfo:
        iam.detach_role_policy(RoleName="AWSServiceRoleForWidgets", PolicyArn=WIDGETS_POLICY)
    assert error_of(excinfo) == protected("AWSServiceRoleForWidgets")
    assert iam.get_policy(PolicyArn=WIDGETS_POLICY)["Policy"]["AttachmentCount"] == 1
    # Built-in services stay available next to the operator's.
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")

    usage = [
        {
            "Region": "us-east-1",
            "Resources": ["arn:aws:widgets:us-east-1:123456789012:widget/w-1"],
        },
        {"Region": "eu-west-1", "Resources": []},
    ]
    write_catalog(catalog_server.catalog, usage)
    task_id = iam.delete_service_linked_role(RoleName="AWSServiceRoleForWidgets")["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert status["Status"] == "FAILED"
    assert status["Reason"]["RoleUsageList"] == [
        {"Region": "us-east-1", "Resources": ["arn:aws:widgets:us-east-1:123456789012:widget/w-1"]},
        {"Region": "eu-west-1", "Resources": []},
    ]
    assert "AWSServiceRoleForWidgets" in status["Reason"]["Reason"]
    iam.get_role(RoleName="AWSServiceRoleForWidgets")  # kept

    write_catalog(catalog_server.catalog, [])  # the operator cleaned up
    again = iam.delete_service_linked_role(RoleName="AWSServiceRoleForWidgets")["DeletionTaskId"]
    assert again != task_id
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=again)["Status"] == (
        "SUCCEEDED"
    )
    assert iam.get_policy(PolicyArn=WIDGETS_POLICY)["Policy"]["AttachmentCount"] == 0
    # The failed task keeps its answer.
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)["Status"] == (
        "FAILED"
    )
