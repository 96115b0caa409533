"""Enforcement for instance profiles and service-linked roles: for each operation, one call a role
session's policy allows and one it does not, with AWS's exact AccessDenied message.

The session may do ``iam:*`` on instance profiles and roles under ``/allowed/`` and on the
Auto Scaling service-linked roles; a denied call names something outside, judged by the
path-less ARN its name would have (authorization comes before existence).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sessions import Credentials, mint_role_session

from harness import ACCOUNT_ID, Node

ALLOWED = "/allowed/"
ASG = "autoscaling.amazonaws.com"
ELB = "elasticloadbalancing.amazonaws.com"
IAM = f"arn:aws:iam::{ACCOUNT_ID}"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"{IAM}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@dataclass
class Names:
    name: str  # under /allowed/, made by root in setup
    other: str  # outside what the session may touch
    task: str = ""  # a deletion task id made in setup


@dataclass
class Case:
    action: str
    setup: Callable[[Any, Names], None]
    allowed: Callable[[Any, Names], Any]
    denied: Callable[[Any, Names], Any]
    resource: Callable[[Names], str]


def _profile(root: Any, n: Names) -> None:
    root.create_instance_profile(InstanceProfileName=n.name, Path=ALLOWED)


def _role(root: Any, n: Names) -> None:
    root.create_role(RoleName=n.name, Path=ALLOWED, AssumeRolePolicyDocument=TRUST)


def _profile_and_role(root: Any, n: Names) -> None:
    _profile(root, n)
    _role(root, n)


def _profile_holding_role(root: Any, n: Names) -> None:
    _profile_and_role(root, n)
    root.add_role_to_instance_profile(InstanceProfileName=n.name, RoleName=n.name)


def _service_linked_role(root: Any, n: Names) -> None:
    root.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=n.name)


def _deletion_task(root: Any, n: Names) -> None:
    _service_linked_role(root, n)
    n.task = root.delete_service_linked_role(RoleName=f"AWSServiceRoleForAutoScaling_{n.name}")[
        "DeletionTaskId"
    ]


def _nothing(root: Any, n: Names) -> None:
    return None


def _profile_arn(n: Names) -> str:
    return f"{IAM}:instance-profile/{n.other}"


def _role_arn(n: Names) -> str:
    return f"{IAM}:role/{n.other}"


def _elb_role(n: Names) -> str:
    return f"{IAM}:role/aws-service-role/{ELB}/AWSServiceRoleForElasticLoadBalancing"


PROFILE_TAGS = [{"Key": "team", "Value": "blue"}]

CASES: dict[str, Case] = {
    "CreateInstanceProfile": Case(
        "iam:CreateInstanceProfile",
        _nothing,
        lambda c, n: c.create_instance_profile(InstanceProfileName=n.name, Path=ALLOWED),
        lambda c, n: c.create_instance_profile(InstanceProfileName=n.other),
        _profile_arn,
    ),
    "GetInstanceProfile": Case(
        "iam:GetInstanceProfile",
        _profile,
        lambda c, n: c.get_instance_profile(InstanceProfileName=n.name),
        lambda c, n: c.get_instance_profile(InstanceProfileName=n.other),
        _profile_arn,
    ),
    "ListInstanceProfiles": Case(
        "iam:ListInstanceProfiles",
        _nothing,
        lambda c, n: c.list_instance_profiles(PathPrefix=ALLOWED),
        lambda c, n: c.list_instance_profiles(),
        lambda n: f"{IAM}:instance-profile/",
    ),
    "DeleteInstanceProfile": Case(
        "iam:DeleteInstanceProfile",
        _profile,
        lambda c, n: c.delete_instance_profile(InstanceProfileName=n.name),
        lambda c, n: c.delete_instance_profile(InstanceProfileName=n.other),
        _profile_arn,
    ),
    "AddRoleToInstanceProfile": Case(
        "iam:AddRoleToInstanceProfile",
        _profile_and_role,
        lambda c, n: c.add_role_to_instance_profile(InstanceProfileName=n.name, RoleName=n.name),
        lambda c, n: c.add_role_to_instance_profile(InstanceProfileName=n.other, RoleName=n.name),
        _profile_arn,
    ),
    "RemoveRoleFromInstanceProfile": Case(
        "iam:RemoveRoleFromInstanceProfile",
        _profile_holding_role,
        lambda c, n: c.remove_role_from_instance_profile(
            InstanceProfileName=n.name, RoleName=n.name
        ),
        lambda c, n: c.remove_role_from_instance_profile(
            InstanceProfileName=n.other, RoleName=n.name
        ),
        _profile_arn,
    ),
    "ListInstanceProfilesForRole": Case(
        "iam:ListInstanceProfilesForRole",
        _role,
        lambda c, n: c.list_instance_profiles_for_role(RoleName=n.name),
        lambda c, n: c.list_instance_profiles_for_role(RoleName=n.other),
        _role_arn,
    ),
    "TagInstanceProfile": Case(
        "iam:TagInstanceProfile",
        _profile,
        lambda c, n: c.tag_instance_profile(InstanceProfileName=n.name, Tags=PROFILE_TAGS),
        lambda c, n: c.tag_instance_profile(InstanceProfileName=n.other, Tags=PROFILE_TAGS),
        _profile_arn,
    ),
    "UntagInstanceProfile": Case(
        "iam:UntagInstanceProfile",
        _profile,
        lambda c, n: c.untag_instance_profile(InstanceProfileName=n.name, TagKeys=["team"]),
        lambda c, n: c.untag_instance_profile(InstanceProfileName=n.other, TagKeys=["team"]),
        _profile_arn,
    ),
    "ListInstanceProfileTags": Case(
        "iam:ListInstanceProfileTags",
        _profile,
        lambda c, n: c.list_instance_profile_tags(InstanceProfileName=n.name),
        lambda c, n: c.list_instance_profile_tags(InstanceProfileName=n.other),
        _profile_arn,
    ),
    "CreateServiceLinkedRole": Case(
        "iam:CreateServiceLinkedRole",
        _nothing,
        lambda c, n: c.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=n.name),
        lambda c, n: c.create_service_linked_role(AWSServiceName=ELB),
        _elb_role,
    ),
    "DeleteServiceLinkedRole": Case(
        "iam:DeleteServiceLinkedRole",
        _service_linked_role,
        lambda c, n: c.delete_service_linked_role(
            RoleName=f"AWSServiceRoleForAutoScaling_{n.name}"
        ),
        lambda c, n: c.delete_service_linked_role(RoleName=n.other),
        _role_arn,
    ),
    "GetServiceLinkedRoleDeletionStatus": Case(
        "iam:GetServiceLinkedRoleDeletionStatus",
        _deletion_task,
        lambda c, n: c.get_service_linked_role_deletion_status(DeletionTaskId=n.task),
        lambda c, n: c.get_service_linked_role_deletion_status(
            DeletionTaskId=(
                f"task/aws-service-role/{ELB}/AWSServiceRoleForElasticLoadBalancing/"
                "00000000-0000-4000-8000-000000000000"
            )
        ),
        _elb_role,
    ),
}


@pytest.fixture(scope="module")
def enforcer(node: Node) -> Credentials:
    root = node.client("iam")
    name = f"profile-enforcer-{uuid.uuid4().hex[:8]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    scoped = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:*",
                "Resource": [
                    f"{IAM}:role{ALLOWED}*",
                    f"{IAM}:instance-profile{ALLOWED}*",
                    f"{IAM}:role/aws-service-role/{ASG}/*",
                ],
            }
        ],
    }
    root.put_role_policy(RoleName=name, PolicyName="scoped", PolicyDocument=json.dumps(scoped))
    return mint_role_session(node, role)


def access_denied(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    assert error["Code"] == "AccessDenied", error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return str(error["Message"])


def denial(enforcer: Credentials, action: str, resource: str) -> str:
    return (
        f"User: {enforcer.arn} is not authorized to perform: {action} on resource: {resource}"
        f" because no identity-based policy allows the {action} action"
    )


@pytest.mark.parametrize("operation", sorted(CASES))
def test_allowed_and_denied(operation: str, node: Node, enforcer: Credentials) -> None:
    case = CASES[operation]
    root = node.client("iam")
    session = enforcer.client(node)
    tag = uuid.uuid4().hex[:8]
    names = Names(name=f"ok-{tag}", other=f"no-{operation.lower()}-{tag}")
    case.setup(root, names)
    case.allowed(session, names)
    message = access_denied(lambda: case.denied(session, names))
    assert message == denial(enforcer, case.action, case.resource(names))


def test_adding_a_role_needs_pass_role_on_it(node: Node, enforcer: Credentials) -> None:
    root = node.client("iam")
    tag = uuid.uuid4().hex[:8]
    names = Names(name=f"ok-{tag}", other=f"outside-{tag}")
    _profile(root, names)
    root.create_role(RoleName=names.other, AssumeRolePolicyDocument=TRUST)
    session = enforcer.client(node)
    message = access_denied(
        lambda: session.add_role_to_instance_profile(
            InstanceProfileName=names.name, RoleName=names.other
        )
    )
    assert message == denial(enforcer, "iam:PassRole", f"{IAM}:role/{names.other}")
    profile = root.get_instance_profile(InstanceProfileName=names.name)["InstanceProfile"]
    assert profile["Roles"] == []


def test_the_documented_policy_for_creating_one_service_linked_role(node: Node) -> None:
    """using-service-linked-roles.md, "To allow an IAM entity to create a specific
    service-linked role", with the resource widened to every service-linked role so that the
    ``iam:AWSServiceName`` condition alone tells the services apart."""
    root = node.client("iam")
    name = f"slr-creator-{uuid.uuid4().hex[:8]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    documented = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "arn:aws:iam::*:role/aws-service-role/*",
                "Condition": {"StringLike": {"iam:AWSServiceName": ASG}},
            }
        ],
    }
    root.put_role_policy(RoleName=name, PolicyName="slr", PolicyDocument=json.dumps(documented))
    creator = mint_role_session(node, role)
    session = creator.client(node)
    suffix = uuid.uuid4().hex[:8]
    created = session.create_service_linked_role(AWSServiceName=ASG, CustomSuffix=suffix)
    assert created["Role"]["RoleName"] == f"AWSServiceRoleForAutoScaling_{suffix}"
    message = access_denied(lambda: session.create_service_linked_role(AWSServiceName=ELB))
    assert message == denial(creator, "iam:CreateServiceLinkedRole", _elb_role(Names("", "")))
