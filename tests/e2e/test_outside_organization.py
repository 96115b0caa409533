"""The operations that need AWS Organizations, partner onboarding or AWS's role templates, end to
end on SQLite and PostgreSQL: rolegate has none of these, so every account is a standalone one.
Each operation answers in AWS's order: bad input (the model's constraints, the ARN's form), then
the caller's permission (AccessDenied naming the action and resource), then the standalone
account's answer. Each case runs as the root user, as a role session allowed nothing, and with
bad input (the operations without parameters have none to get wrong)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from policy_helpers import fails
from sessions import Credentials, mint_role_session

from harness import ACCOUNT_ID, Node

NO_ORGANIZATION = (
    "OrganizationNotFoundException",
    400,
    "The request was rejected because no organization is associated with your account.",
)
REQUEST_ID = "e4bdcdae-4f66-11eD-ELEG-ATIONEXAMPLE"
REQUEST_ARN = f"arn:aws:iam::{ACCOUNT_ID}:delegation-request/{REQUEST_ID}"
NO_REQUEST = ("NoSuchEntity", 404, f"Delegation request with id {REQUEST_ID} cannot be found.")
TEMPLATE_ARN = "arn:aws:iam::aws:role-template/ec2.amazonaws.com/WebServer:1"
NO_TEMPLATE = ("NoSuchEntity", 404, f"Role template {TEMPLATE_ARN} cannot be found.")
ENTITY_PATH = "o-a1b2c3d4e5/r-f6g7h8i9j0"
JOB_ID = "examplef-1305-c245-eba4-71fe298bcda7"
SHORT_ID_ERROR = (
    "ValidationError",
    400,
    "1 validation error detected: Value at 'delegationRequestId' failed to satisfy "
    "constraint: Member must have length greater than or equal to 16",
)


@dataclass(frozen=True)
class Case:
    service: str  # iam or sts
    method: str  # the boto3 method
    kwargs: dict[str, Any]
    action: str
    resource: str  # of the AccessDenied message ("*": none named)
    answer: tuple[str, int, str]  # the root user's (or an allowed caller's) answer
    bad: dict[str, Any] | None = None  # input the model or the operation refuses
    bad_answer: tuple[str, int, str] | None = None


def _org_root(operation: str, method: str) -> Case:
    return Case("iam", method, {}, f"iam:{operation}", "*", NO_ORGANIZATION)


def _request(operation: str, method: str, **extra: Any) -> Case:
    return Case(
        "iam",
        method,
        {"DelegationRequestId": REQUEST_ID, **extra},
        f"iam:{operation}",
        REQUEST_ARN,
        NO_REQUEST,
        {"DelegationRequestId": "short", **extra},
        SHORT_ID_ERROR,
    )


DELEGATION = {
    "Description": "Set up monitoring",
    "Permissions": {"PolicyTemplateArn": "arn:aws:iam::aws:delegation-template/Example"},
    "RequestorWorkflowId": "workflow-1",
    "NotificationChannel": "arn:aws:sns:us-east-1:111122223333:partner-topic",
    "SessionDuration": 3600,
}

CASES: dict[str, Case] = {
    "EnableOrganizationsRootCredentialsManagement": _org_root(
        "EnableOrganizationsRootCredentialsManagement",
        "enable_organizations_root_credentials_management",
    ),
    "DisableOrganizationsRootCredentialsManagement": _org_root(
        "DisableOrganizationsRootCredentialsManagement",
        "disable_organizations_root_credentials_management",
    ),
    "EnableOrganizationsRootSessions": _org_root(
        "EnableOrganizationsRootSessions", "enable_organizations_root_sessions"
    ),
    "DisableOrganizationsRootSessions": _org_root(
        "DisableOrganizationsRootSessions", "disable_organizations_root_sessions"
    ),
    "ListOrganizationsFeatures": _org_root(
        "ListOrganizationsFeatures", "list_organizations_features"
    ),
    "GenerateOrganizationsAccessReport": Case(
        "iam",
        "generate_organizations_access_report",
        {"EntityPath": ENTITY_PATH},
        "iam:GenerateOrganizationsAccessReport",
        f"arn:aws:iam::{ACCOUNT_ID}:access-report/{ENTITY_PATH}",
        NO_ORGANIZATION,
        {"EntityPath": "not-an-organization-path"},
        (
            "ValidationError",
            400,
            "1 validation error detected: Value at 'entityPath' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "^o-[0-9a-z]{10,32}\\/r-[0-9a-z]{4,32}[0-9a-z-\\/]*",
        ),
    ),
    "GetOrganizationsAccessReport": Case(
        "iam",
        "get_organizations_access_report",
        {"JobId": JOB_ID},
        "iam:GetOrganizationsAccessReport",
        "*",
        ("NoSuchEntity", 404, f"The report with job id {JOB_ID} cannot be found."),
        {"JobId": "too-short"},
        (
            "ValidationError",
            400,
            "1 validation error detected: Value at 'jobId' failed to satisfy "
            "constraint: Member must have length greater than or equal to 36",
        ),
    ),
    "CreateDelegationRequest": Case(
        "iam",
        "create_delegation_request",
        DELEGATION,
        "iam:CreateDelegationRequest",
        "*",
        (
            "InvalidInput",
            400,
            "The caller is not onboarded as a partner for IAM temporary delegation.",
        ),
        {**DELEGATION, "NotificationChannel": "sns topic"},
        (
            "ValidationError",
            400,
            "1 validation error detected: Value at 'notificationChannel' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "^[a-zA-Z0-9:_.-]+$",
        ),
    ),
    "GetDelegationRequest": _request("GetDelegationRequest", "get_delegation_request"),
    "AssociateDelegationRequest": _request(
        "AssociateDelegationRequest", "associate_delegation_request"
    ),
    "AcceptDelegationRequest": _request("AcceptDelegationRequest", "accept_delegation_request"),
    "RejectDelegationRequest": _request(
        "RejectDelegationRequest", "reject_delegation_request", Notes="not now"
    ),
    "UpdateDelegationRequest": _request(
        "UpdateDelegationRequest", "update_delegation_request", Notes="later"
    ),
    "SendDelegationToken": _request("SendDelegationToken", "send_delegation_token"),
    "GetHumanReadableSummary": Case(
        "iam",
        "get_human_readable_summary",
        {"EntityArn": REQUEST_ARN},
        "iam:GetHumanReadableSummary",
        REQUEST_ARN,
        NO_REQUEST,
        {"EntityArn": f"arn:aws:iam::{ACCOUNT_ID}:role/not-a-request"},
        ("InvalidInput", 400, f"ARN arn:aws:iam::{ACCOUNT_ID}:role/not-a-request is not valid."),
    ),
    "GetRoleTemplateVersion": Case(
        "iam",
        "get_role_template_version",
        {"TemplateArn": TEMPLATE_ARN},
        "iam:GetRoleTemplateVersion",
        TEMPLATE_ARN,
        NO_TEMPLATE,
        {"TemplateArn": f"arn:aws:iam::{ACCOUNT_ID}:role/WebServer"},
        ("InvalidInput", 400, f"ARN arn:aws:iam::{ACCOUNT_ID}:role/WebServer is not valid."),
    ),
    "AcquireRole": Case(
        "iam",
        "acquire_role",
        {"TemplateArn": TEMPLATE_ARN},
        "iam:AcquireRole",
        TEMPLATE_ARN,
        NO_TEMPLATE,
        {"TemplateArn": "short"},
        (
            "ValidationError",
            400,
            "1 validation error detected: Value at 'templateArn' failed to satisfy "
            "constraint: Member must have length greater than or equal to 20",
        ),
    ),
    "GetDelegatedAccessToken": Case(
        "sts",
        "get_delegated_access_token",
        {"TradeInToken": "trade-in-token-never-issued"},
        "sts:GetDelegatedAccessToken",
        "*",
        (
            "ExpiredTradeInTokenException",
            400,
            "The trade-in token provided in the request has expired and can no longer be "
            "exchanged for credentials.",
        ),
        {},
        (
            "ValidationError",
            400,
            "1 validation error detected: Value null at 'tradeInToken' failed to satisfy "
            "constraint: Member must not be null",
        ),
    ),
}


# What test_enforcement*.py's coverage checks count as covered here (denied and allowed calls).
COVERED = {*CASES, "ListDelegationRequests", "AssumeRoot"}


def nobody(node: Node, *statements: dict[str, Any]) -> Credentials:
    """A session of a role allowed nothing (or only ``statements``)."""
    root = node.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}
        ],
    }
    name = f"nothing-{uuid.uuid4().hex[:10]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    if statements:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        root.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
    return mint_role_session(node, role)


def denied(arn: str, action: str, resource: str) -> tuple[str, int, str]:
    on = "" if resource == "*" else f" on resource: {resource}"
    return (
        "AccessDenied",
        403,
        f"User: {arn} is not authorized to perform: {action}{on} because no identity-based "
        f"policy allows the {action} action",
    )


def _call(client: Any, case: Case, kwargs: dict[str, Any]) -> Callable[[], Any]:
    return lambda: getattr(client, case.method)(**kwargs)


@pytest.mark.parametrize("operation", sorted(CASES))
def test_standalone_account_answers(operation: str, node: Node) -> None:
    case = CASES[operation]
    root = node.client(case.service)
    assert fails(_call(root, case, case.kwargs)) == case.answer
    session = nobody(node)
    assert fails(_call(session.client(node, case.service), case, case.kwargs)) == denied(
        session.arn, case.action, case.resource
    )
    if case.bad is not None:
        # bad input is answered before the permission is looked at
        assert fails(_call(session.client(node, case.service), case, case.bad)) == case.bad_answer


def test_no_delegation_requests_are_listed(node: Node) -> None:
    root = node.client("iam")
    listed = root.list_delegation_requests()
    assert (listed["DelegationRequests"], listed["isTruncated"]) == ([], False)
    session = nobody(node)
    assert fails(session.client(node).list_delegation_requests) == denied(
        session.arn, "iam:ListDelegationRequests", "*"
    )
    assert fails(root.list_delegation_requests, MaxItems=0)[:2] == ("ValidationError", 400)


ROOT_TASK = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
MEMBER = "111122223333"


def test_assume_root_outside_an_organization(node: Node) -> None:
    """The root user may never call it; an IAM principal is checked for ``sts:AssumeRoot`` on the
    member's root, then refused: no organization gives centralized root access."""
    target_arn = f"arn:aws:iam::{MEMBER}:root"
    root_arn = f"arn:aws:iam::{ACCOUNT_ID}:root"
    root = node.client("sts")
    refusal = f"User: {root_arn} is not authorized to perform: sts:AssumeRoot on resource: "
    assert fails(root.assume_root, TargetPrincipal=MEMBER, TaskPolicyArn={"arn": ROOT_TASK}) == (
        "AccessDenied",
        403,
        refusal + target_arn,
    )
    own = f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert fails(root.assume_root, TargetPrincipal=own, TaskPolicyArn={"arn": ROOT_TASK}) == (
        "AccessDenied",
        403,
        refusal + own,
    )
    session = nobody(node)
    sts = session.client(node, "sts")
    answer = fails(sts.assume_root, TargetPrincipal=MEMBER, TaskPolicyArn={"arn": ROOT_TASK})
    assert answer[:2] == ("AccessDenied", 403)
    assert answer[2].startswith(
        f"User: {session.arn} is not authorized to perform: sts:AssumeRoot on resource: "
        f"{target_arn}"
    )
    # bad input, before any permission
    for target in ("not-an-account", f"arn:aws:iam::{MEMBER}:user/alice"):
        assert fails(sts.assume_root, TargetPrincipal=target, TaskPolicyArn={"arn": ROOT_TASK}) == (
            "ValidationError",
            400,
            f"{target} is invalid",
        )
    other_policy = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert fails(sts.assume_root, TargetPrincipal=MEMBER, TaskPolicyArn={"arn": other_policy}) == (
        "ValidationError",
        400,
        f"{other_policy} is invalid",
    )
    assert fails(
        sts.assume_root,
        TargetPrincipal=MEMBER,
        TaskPolicyArn={"arn": ROOT_TASK},
        DurationSeconds=901,
    )[:2] == ("ValidationError", 400)


def test_assume_root_allowed_caller_is_still_refused(node: Node) -> None:
    """An IAM principal allowed ``sts:AssumeRoot`` gets past its own policy and is then refused
    as a standalone account is."""
    session = nobody(node, {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": "*"})
    own = f"arn:aws:iam::{ACCOUNT_ID}:root"
    sts = session.client(node, "sts")
    assert fails(sts.assume_root, TargetPrincipal=ACCOUNT_ID, TaskPolicyArn={"arn": ROOT_TASK}) == (
        "AccessDenied",
        403,
        f"User: {session.arn} is not authorized to perform: sts:AssumeRoot on resource: {own}",
    )
