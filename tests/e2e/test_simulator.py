"""The IAM policy simulator through boto3 and the AWS CLI, on both backends: AWS's documented
examples and recorded answers, every input, and AWS's errors for bad ones
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness import ACCOUNT_ID, Server

# The policy of the AWS CLI's simulate-custom-policy example, and its answer's positions.
CLI_EXAMPLE = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
    '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}
        ],
    }
)
S3_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    },
    indent=2,
)


def current_time(value: str) -> list[dict[str, Any]]:
    return [
        {"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": [value], "ContextKeyType": "date"}
    ]


def error_of(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    return (
        error["Code"],
        error["Message"],
        info.value.response["ResponseMetadata"]["HTTPStatusCode"],
    )


def answer(response: dict[str, Any]) -> dict[str, Any]:
    response.pop("ResponseMetadata", None)
    return response


def test_custom_policy_as_the_aws_cli_example_answers(iam: Any) -> None:
    allowed = iam.simulate_custom_policy(
        PolicyInputList=[CLI_EXAMPLE],
        ActionNames=["dynamodb:CreateBackup"],
        ContextEntries=current_time("2019-04-25T11:00:00Z"),
    )
    assert answer(allowed) == {
        "EvaluationResults": [
            {
                "EvalActionName": "dynamodb:CreateBackup",
                "EvalResourceName": "*",
                "EvalDecision": "allowed",
                "MatchedStatements": [
                    {
                        "SourcePolicyId": "PolicyInputList.1",
                        "SourcePolicyType": "IAM Policy",
                        "StartPosition": {"Line": 1, "Column": 38},
                        "EndPosition": {"Line": 1, "Column": 167},
                    }
                ],
                "MissingContextValues": [],
                "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            }
        ],
        "IsTruncated": False,
    }
    denied = iam.simulate_custom_policy(
        PolicyInputList=[CLI_EXAMPLE],
        ActionNames=["dynamodb:CreateBackup"],
        ContextEntries=current_time("2014-04-25T11:00:00Z"),
    )["EvaluationResults"][0]
    assert (denied["EvalDecision"], denied["MatchedStatements"]) == ("implicitDeny", [])
    # Without the key the condition cannot hold, and the answer says which key was missing.
    missing = iam.simulate_custom_policy(
        PolicyInputList=[CLI_EXAMPLE], ActionNames=["dynamodb:CreateBackup"]
    )["EvaluationResults"][0]
    assert missing["MissingContextValues"] == ["aws:CurrentTime"]


def test_principal_policy_answers_as_recorded_for_user_group_and_role(
    server: Server, iam: Any, unique: Callable[[str], str]
) -> None:
    """User, group and role with an attached customer managed policy: "IAM Policy", an empty
    EvalDecisionDetails, AllowedByOrganizations, and ResourceSpecificResults."""
    name = unique("sim")
    policy_arn = iam.create_policy(PolicyName=name, PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    iam.create_group(GroupName=name)
    iam.attach_group_policy(GroupName=name, PolicyArn=policy_arn)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    matched = {
        "SourcePolicyId": name,
        "SourcePolicyType": "IAM Policy",
        "StartPosition": {"Line": 4, "Column": 6},
        "EndPosition": {"Line": 8, "Column": 6},
    }
    for kind in ("user", "group", "role"):
        source = f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"
        result = iam.simulate_principal_policy(
            PolicySourceArn=source,
            ActionNames=["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::bucket/key"],
        )
        assert answer(result) == {
            "EvaluationResults": [
                {
                    "EvalActionName": "s3:GetObject",
                    "EvalResourceName": "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
                    "EvalDecision": "allowed",
                    "MatchedStatements": [matched],
                    "MissingContextValues": [],
                    "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
                    "EvalDecisionDetails": {},
                    "ResourceSpecificResults": [
                        {
                            "EvalResourceName": "arn:aws:s3:::bucket/key",
                            "EvalResourceDecision": "allowed",
                            "MatchedStatements": [matched],
                            "MissingContextValues": [],
                            "EvalDecisionDetails": {},
                        }
                    ],
                }
            ],
            "IsTruncated": False,
        }, kind


def test_user_with_groups_inline_policies_and_boundary(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("bounded")
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="own",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
                ],
            }
        ),
    )
    iam.create_group(GroupName=name)
    iam.add_user_to_group(GroupName=name, UserName=name)
    iam.put_group_policy(
        GroupName=name,
        PolicyName="team",
        PolicyDocument='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:*","Resource":"*"}}',
    )
    boundary = iam.create_policy(
        PolicyName=name,
        PolicyDocument='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*","sns:*"],"Resource":"*"}}',
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    results = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        ActionNames=["s3:GetObject", "s3:DeleteBucket", "sns:Publish", "sqs:SendMessage"],
    )["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert decisions == {
        "s3:GetObject": "allowed",
        "s3:DeleteBucket": "explicitDeny",
        "sns:Publish": "allowed",  # the group's policy
        "sqs:SendMessage": "implicitDeny",  # outside the boundary
    }
    boundary_detail = {
        r["EvalActionName"]: r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]
        for r in results
    }
    assert boundary_detail["sqs:SendMessage"] is False
    assert boundary_detail["s3:GetObject"] is True
    deny = results[1]["MatchedStatements"]
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in deny] == [("own", "user")]
    assert [
        (m["SourcePolicyId"], m["SourcePolicyType"]) for m in results[2]["MatchedStatements"]
    ] == [("team", "group")]
    # A boundary given with the request replaces the user's; PolicyInputList adds policies.
    replaced = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        ActionNames=["sqs:SendMessage", "ec2:RunInstances"],
        PolicyInputList=[
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}'
        ],
        PermissionsBoundaryPolicyInputList=[
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
        ],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in replaced] == ["allowed", "allowed"]
    assert replaced[1]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    # PolicyExclusionList leaves the inline policies out.
    excluded = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        ActionNames=["s3:GetObject", "sns:Publish"],
        PolicyExclusionList=[
            {
                "InlinePolicyIdentifier": {
                    "PolicyName": "own",
                    "AttachmentType": "user",
                    "AttachmentName": name,
                }
            }
        ],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in excluded] == ["implicitDeny", "allowed"]


def test_missing_context_values_only_for_keys_the_action_takes(iam: Any) -> None:
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "iam:GetUser"],
                    "Resource": "*",
                    "Condition": {
                        "StringLike": {"s3:prefix": "home/${aws:username}/*"},
                        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                    },
                }
            ],
        }
    )
    results = iam.simulate_custom_policy(
        PolicyInputList=[doc],
        ActionNames=["s3:ListBucket", "iam:GetUser"],
        ResourceArns=["arn:aws:s3:::bucket", f"arn:aws:iam::{ACCOUNT_ID}:user/bob"],
    )["EvaluationResults"]
    # s3:prefix applies to s3:ListBucket only; the global keys apply everywhere.
    assert results[0]["MissingContextValues"] == ["s3:prefix", "aws:username", "aws:SourceIp"]
    assert results[1]["MissingContextValues"] == ["aws:username", "aws:SourceIp"]
    assert results[0]["EvalResourceName"] == "arn:${Partition}:s3:::${BucketName}"
    assert (
        results[1]["EvalResourceName"]
        == "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
    )
    per_resource = {
        r["EvalResourceName"]: r["MissingContextValues"]
        for r in results[0]["ResourceSpecificResults"]
    }
    assert per_resource["arn:aws:s3:::bucket"] == ["s3:prefix", "aws:username", "aws:SourceIp"]


def test_every_context_key_type(iam: Any) -> None:
    conditions = {
        "StringEquals": {"aws:PrincipalTag/team": "blue"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "ForAnyValue:NumericEquals": {"ec2:Sizes": ["2"]},
        "Bool": {"aws:SecureTransport": "true"},
        "ForAllValues:Bool": {"ec2:Flags": ["true"]},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
        "ForAnyValue:IpAddress": {"ec2:Ips": ["192.168.0.0/16"]},
        "BinaryEquals": {"ec2:Blob": "QmluYXJ5"},
        "ForAnyValue:BinaryEquals": {"ec2:Blobs": ["QQ=="]},
        "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        "ForAnyValue:DateLessThan": {"ec2:Dates": ["2030-01-01T00:00:00Z"]},
    }
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": conditions}
            ],
        }
    )
    entries = [
        ("aws:PrincipalTag/team", "string", ["blue"]),
        ("aws:TagKeys", "stringList", ["a", "b"]),
        ("aws:MultiFactorAuthAge", "numeric", ["60"]),
        ("ec2:Sizes", "numericList", ["1", "2"]),
        ("aws:SecureTransport", "boolean", ["TRUE"]),
        ("ec2:Flags", "booleanList", ["true", "true"]),
        ("aws:SourceIp", "ip", ["10.1.2.3"]),
        ("ec2:Ips", "ipList", ["192.168.1.1", "8.8.8.8"]),
        ("ec2:Blob", "binary", ["QmluYXJ5"]),
        ("ec2:Blobs", "binaryList", ["QQ==", "Qg=="]),
        ("aws:CurrentTime", "date", ["2024-06-01T00:00:00Z"]),
        ("ec2:Dates", "dateList", ["2025-01-01T00:00:00Z"]),
    ]
    context = [
        {"ContextKeyName": key, "ContextKeyType": kind, "ContextKeyValues": values}
        for key, kind, values in entries
    ]
    result = iam.simulate_custom_policy(
        PolicyInputList=[doc], ActionNames=["ec2:RunInstances"], ContextEntries=context
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MissingContextValues"] == []
    # One value off, and the condition no longer holds.
    context[2]["ContextKeyValues"] = ["7200"]
    result = iam.simulate_custom_policy(
        PolicyInputList=[doc], ActionNames=["ec2:RunInstances"], ContextEntries=context
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"


def test_resource_policy_with_caller_and_owner(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("reader")
    user = iam.create_user(UserName=name)["User"]["Arn"]
    bucket_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": user},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                }
            ],
        }
    )
    same = iam.simulate_principal_policy(
        PolicySourceArn=user,
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket_policy,
    )["EvaluationResults"][0]
    assert same["EvalDecision"] == "allowed"
    assert same["MatchedStatements"][0]["SourcePolicyType"] == "resource"
    assert same["EvalDecisionDetails"] == {}
    # Another account owns the bucket: the user's own account must allow too.
    other = iam.simulate_principal_policy(
        PolicySourceArn=user,
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket_policy,
        ResourceOwner="210987654321",
    )["EvaluationResults"][0]
    assert other["EvalDecision"] == "implicitDeny"
    assert other["EvalDecisionDetails"] == {
        "IAM Policy": "implicitDeny",
        "Resource Policy": "allowed",
    }


def test_pages_of_results(iam: Any) -> None:
    actions = [f"s3:{name}" for name in ("GetObject", "PutObject", "DeleteObject")]
    first = iam.simulate_custom_policy(PolicyInputList=[S3_READ], ActionNames=actions, MaxItems=2)
    assert [r["EvalActionName"] for r in first["EvaluationResults"]] == actions[:2]
    assert first["IsTruncated"] is True
    rest = iam.simulate_custom_policy(
        PolicyInputList=[S3_READ], ActionNames=actions, Marker=first["Marker"]
    )
    assert [r["EvalActionName"] for r in rest["EvaluationResults"]] == actions[2:]
    assert rest["IsTruncated"] is False
    paginator = iam.get_paginator("simulate_custom_policy")
    pages = paginator.paginate(
        PolicyInputList=[S3_READ], ActionNames=actions, PaginationConfig={"PageSize": 1}
    )
    assert [r["EvalDecision"] for page in pages for r in page["EvaluationResults"]] == [
        "allowed",
        "implicitDeny",
        "implicitDeny",
    ]


def test_context_keys_in_the_order_they_appear(iam: Any, unique: Callable[[str], str]) -> None:
    """The AWS CLI's get-context-keys-for-custom-policy example."""
    doc = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}'
    )
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[doc])["ContextKeyNames"]
    assert keys == ["aws:username", "aws:CurrentTime"]
    name = unique("keys")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc)
    keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        PolicyInputList=[
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}'
        ],
    )["ContextKeyNames"]
    assert keys == ["aws:username", "aws:CurrentTime", "aws:SecureTransport"]


def test_bad_inputs_get_aws_errors(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("nobody")
    cases: list[tuple[Callable[[], Any], tuple[str, str, int]]] = [
        (
            lambda: iam.simulate_principal_policy(
                PolicySourceArn=f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/s",
                ActionNames=["s3:GetObject"],
            ),
            (
                "InvalidInput",
                f"Invalid Entity Arn: arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/s does not clearly "
                "define entity type and name.",
                400,
            ),
        ),
        (
            lambda: iam.simulate_principal_policy(
                PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
                ActionNames=["s3:GetObject"],
            ),
            ("NoSuchEntity", f"The user with name {name} cannot be found.", 404),
        ),
        (
            lambda: iam.get_context_keys_for_principal_policy(
                PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
            ),
            ("NoSuchEntity", f"The role with name {name} cannot be found.", 404),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ], ActionNames=["s3:GetObject"], ResourceArns=["bucket"]
            ),
            ("InvalidInput", "ResourceNames are not in a valid ARN format: bucket.", 400),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ], ActionNames=["s3:GetObject"], ResourceOwner="1234"
            ),
            ("InvalidInput", "'1234' is not a valid as a Resource Owner.", 400),
        ),
        (
            lambda: iam.simulate_custom_policy(PolicyInputList=["{"], ActionNames=["s3:GetObject"]),
            ("InvalidInput", "Syntax errors in policy.", 400),
        ),
        (
            lambda: iam.simulate_custom_policy(PolicyInputList=[S3_READ], ActionNames=["s3:Get*"]),
            ("InvalidInput", "Wildcards are not supported in action names: s3:Get*.", 400),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ],
                ActionNames=["s3:GetObject"],
                ContextEntries=[
                    {
                        "ContextKeyName": "aws:MultiFactorAuthAge",
                        "ContextKeyValues": ["old"],
                        "ContextKeyType": "numeric",
                    }
                ],
            ),
            (
                "InvalidInput",
                "Invalid value for context key aws:MultiFactorAuthAge of type numeric: old.",
                400,
            ),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ], ActionNames=["s3:GetObject"], Marker="zz"
            ),
            ("ValidationError", "Invalid Marker.", 400),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ], ActionNames=["s3:GetObject"], MaxItems=0
            ),
            (
                "ValidationError",
                "1 validation error detected: Value at 'maxItems' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1",
                400,
            ),
        ),
    ]
    role = unique("role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{role}"
    bucket_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        }
    )
    cases += [
        (  # a role takes no resource policy, so no resource owner either (as AWS answers)
            lambda: iam.simulate_principal_policy(
                PolicySourceArn=role_arn, ActionNames=["s3:GetObject"], ResourceOwner=ACCOUNT_ID
            ),
            ("InvalidInput", f"'{ACCOUNT_ID}' is not a valid as a Resource Owner.", 400),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ],
                ActionNames=["s3:GetObject"],
                ResourcePolicy=bucket_policy,
            ),
            (
                "InvalidInput",
                "CallerArn must name an IAM user when a ResourcePolicy is given.",
                400,
            ),
        ),
        (
            lambda: iam.simulate_principal_policy(
                PolicySourceArn=role_arn, ActionNames=["s3:GetObject"], ResourcePolicy=bucket_policy
            ),
            (
                "InvalidInput",
                "CallerArn must name an IAM user when a ResourcePolicy is given.",
                400,
            ),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ],
                ActionNames=["s3:GetObject"],
                PermissionsBoundaryPolicyInputList=[S3_READ, S3_READ],
            ),
            (
                "InvalidInput",
                "PermissionsBoundaryPolicyInputList takes only one permissions boundary policy.",
                400,
            ),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ],
                ActionNames=["s3:GetObject"],
                CallerArn=f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/s",
            ),
            (
                "InvalidInput",
                f"Invalid CallerArn: arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/s.",
                400,
            ),
        ),
        (
            lambda: iam.simulate_custom_policy(
                PolicyInputList=[S3_READ],
                ActionNames=["s3:GetObject"],
                ResourcePolicy='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}',
                CallerArn=f"arn:aws:iam::{ACCOUNT_ID}:user/bob",
            ),
            ("InvalidInput", "Missing required field Principal", 400),
        ),
    ]
    for call, expected in cases:
        assert error_of(call) == expected


def test_through_the_aws_cli(server: Server, iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("cli")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=S3_READ)
    done = server.aws_json(
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        "--action-names",
        "s3:GetObject",
        "s3:PutObject",
        "--resource-arns",
        "arn:aws:s3:::bucket/key",
        "--context-entries",
        "ContextKeyName='aws:CurrentTime',ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date",
    )
    results = done["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in results] == [
        ("s3:GetObject", "allowed"),
        ("s3:PutObject", "implicitDeny"),
    ]
    assert results[0]["MatchedStatements"] == [
        {
            "SourcePolicyId": "read",
            "SourcePolicyType": "user",
            "StartPosition": {"Line": 4, "Column": 6},
            "EndPosition": {"Line": 8, "Column": 6},
        }
    ]
    assert results[1]["ResourceSpecificResults"][0]["EvalResourceDecision"] == "implicitDeny"
    keys = server.aws_json(
        "iam", "get-context-keys-for-custom-policy", "--policy-input-list", CLI_EXAMPLE
    )
    assert keys == {"ContextKeyNames": ["aws:CurrentTime"]}
    custom = server.aws_json(
        "iam",
        "simulate-custom-policy",
        "--policy-input-list",
        CLI_EXAMPLE,
        "--action-names",
        "dynamodb:CreateBackup",
    )
    assert custom["EvaluationResults"][0]["MissingContextValues"] == ["aws:CurrentTime"]
    bad = server.aws(
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        "arn:aws:iam::123456789012:user/" + unique("gone"),
        "--action-names",
        "s3:GetObject",
    )
    assert bad.returncode == 255  # the AWS CLI's status for a service error
    assert (
        "An error occurred (NoSuchEntity) when calling the SimulatePrincipalPolicy operation"
        in bad.stderr
    )


def test_service_control_policies_level_by_level(iam: Any) -> None:
    """OrderedOrganizationPolicyInputList: every level must allow, a Deny anywhere denies."""
    allow_all = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
    )
    only_s3 = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
    )
    no_delete = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:DeleteObject",'
        '"Resource":"*"}}'
    )
    levels = [
        {"ServiceControlPolicyInputList": [allow_all]},
        {"ServiceControlPolicyInputList": [only_s3, no_delete]},
    ]
    results = iam.simulate_custom_policy(
        PolicyInputList=[allow_all],
        ActionNames=["s3:GetObject", "s3:DeleteObject", "sqs:SendMessage"],
        OrderedOrganizationPolicyInputList=levels,
    )["EvaluationResults"]
    assert [
        (r["EvalDecision"], r["OrganizationsDecisionDetail"]["AllowedByOrganizations"])
        for r in results
    ] == [("allowed", True), ("explicitDeny", False), ("implicitDeny", False)]
    # SCP statements are never among the matched statements.
    assert [m["SourcePolicyId"] for m in results[0]["MatchedStatements"]] == ["PolicyInputList.1"]
    assert results[1]["MatchedStatements"] == []


WIDGETS_CATALOGUE = """\
service_reference:
  - Name: widgets
    Actions:
      - Name: GetWidget
        ActionConditionKeys: [widgets:Color]
        Resources: [{Name: widget}]
    Resources:
      - Name: widget
        ARNFormats: ["arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}"]
    ConditionKeys:
      - Name: widgets:Color
        Types: [String]
"""
WIDGET_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["widgets:GetWidget", "widgets:PaintWidget"],
                "Resource": "arn:aws:widgets:us-east-1:111122223333:widget/*",
                "Condition": {"StringEquals": {"widgets:Color": "red"}},
            }
        ],
    }
)


def test_the_operators_services_like_aws_ones(
    start_server: Callable[..., Server], tmp_path: Any
) -> None:
    """--service-catalog: the simulator knows widgets:GetWidget's resource type and keys, and
    sees the file change while the server runs."""
    catalogue = tmp_path / "services.yaml"
    catalogue.write_text(WIDGETS_CATALOGUE)
    server = start_server(args=("--service-catalog", str(catalogue)))
    iam = server.client("iam")
    widget = "arn:aws:widgets:us-east-1:111122223333:widget/42"

    def simulate(action: str, **kw: Any) -> dict[str, Any]:
        return dict(
            iam.simulate_custom_policy(
                PolicyInputList=[WIDGET_POLICY], ActionNames=[action], ResourceArns=[widget], **kw
            )["EvaluationResults"][0]
        )

    result = simulate("widgets:GetWidget")
    assert result["EvalResourceName"] == (
        "arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}"
    )
    assert (result["EvalDecision"], result["MissingContextValues"]) == (
        "implicitDeny",
        ["widgets:Color"],
    )
    red = [
        {"ContextKeyName": "widgets:Color", "ContextKeyValues": ["red"], "ContextKeyType": "string"}
    ]
    assert simulate("widgets:GetWidget", ContextEntries=red)["EvalDecision"] == "allowed"
    # PaintWidget is not declared yet: nothing says widgets:Color applies to it.
    assert simulate("widgets:PaintWidget")["EvalResourceName"] == "*"
    catalogue.write_text(
        WIDGETS_CATALOGUE.replace(
            "    Resources:\n      - Name: widget\n",
            "      - Name: PaintWidget\n        Resources: [{Name: widget}]\n"
            "    Resources:\n      - Name: widget\n",
        )
    )
    stat = catalogue.stat()
    os.utime(catalogue, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    painted = simulate("widgets:PaintWidget")
    assert painted["EvalResourceName"].endswith(":widget/${WidgetId}")
    assert painted["MissingContextValues"] == []  # the key is GetWidget's, not PaintWidget's


def test_a_bad_service_catalogue_is_refused_at_start(tmp_path: Any) -> None:
    catalogue = tmp_path / "services.yaml"
    catalogue.write_text(WIDGETS_CATALOGUE.replace("[widgets:Color]", "[widgets:Colour]"))
    server = Server(tmp_path / "data", None, args=("--service-catalog", str(catalogue)))
    with pytest.raises(RuntimeError) as info:
        server.start()
    assert (
        f"rolegate: --service-catalog: {catalogue}:4: action widgets:GetWidget: condition key "
        "'widgets:Colour' is not in ConditionKeys"
    ) in str(info.value)


def test_a_large_simulation_comes_in_shorter_pages(iam: Any) -> None:
    """Actions x resources x statements grows faster than the request: a page holds at most a
    bounded amount of work (IAM "might return fewer results" than MaxItems), and Marker goes on."""
    statements = [
        {"Effect": "Allow", "Action": f"sqs:SendMessage{i}", "Resource": "*"} for i in range(400)
    ]
    big = json.dumps({"Version": "2012-10-17", "Statement": statements})
    resources = [f"arn:aws:s3:::bucket/{i}" for i in range(500)]
    actions = [f"s3:GetObject{i}" for i in range(7)]
    first = iam.simulate_custom_policy(
        PolicyInputList=[big], ActionNames=actions, ResourceArns=resources, MaxItems=100
    )
    assert len(first["EvaluationResults"]) == 5  # 1,000,000 // (500 resources x 400 statements)
    assert first["IsTruncated"] is True
    rest = iam.simulate_custom_policy(
        PolicyInputList=[big], ActionNames=actions, ResourceArns=resources, Marker=first["Marker"]
    )
    assert [r["EvalActionName"] for r in rest["EvaluationResults"]] == actions[5:]
    assert rest["IsTruncated"] is False


def test_policy_exclusion_list_by_type_and_arn(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("excluded")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=S3_READ)
    sqs = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}'
    managed = iam.create_policy(PolicyName=f"{name}-sqs", PolicyDocument=sqs)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=managed)
    boundary = iam.create_policy(PolicyName=f"{name}-b", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    source = f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"

    def decisions(*excluded: dict[str, Any]) -> list[str]:
        results = iam.simulate_principal_policy(
            PolicySourceArn=source,
            ActionNames=["s3:GetObject", "sqs:SendMessage"],
            PolicyExclusionList=list(excluded),
        )["EvaluationResults"]
        return [r["EvalDecision"] for r in results]

    assert decisions() == ["allowed", "implicitDeny"]  # the boundary leaves sqs out
    assert decisions({"PolicyType": "permission-boundary"}) == ["allowed", "allowed"]
    assert decisions({"PolicyType": "inline"}, {"PolicyType": "permission-boundary"}) == [
        "implicitDeny",
        "allowed",
    ]
    by_arn = {"PolicyArn": managed.replace("-sqs", "-s?s")}
    assert decisions(by_arn, {"PolicyType": "permission-boundary"}) == ["allowed", "implicitDeny"]
    no_boundary = {"PolicyType": "permission-boundary"}
    assert decisions({"PolicyType": "user-managed"}, no_boundary) == ["allowed", "implicitDeny"]
    assert decisions({"PolicyType": "aws-managed"}, no_boundary) == ["allowed", "allowed"]
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=source)["ContextKeyNames"]
    assert keys == []
