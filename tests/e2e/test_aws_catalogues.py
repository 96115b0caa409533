"""AWS's catalogues end to end with boto3, on SQLite and PostgreSQL: every AWS managed policy
(listing, filters, versions, attaching, the policy engine reading their documents) and the
service-linked roles of the services rolegate knows.

Each bad input names the answer AWS gives: code, HTTP status and message.
"""

from __future__ import annotations

import json
from typing import Any

from policy_helpers import doc, fails, make_policy, make_role

from harness import Server

AWS = "arn:aws:iam::aws:policy/"
S3_READ = f"{AWS}AmazonS3ReadOnlyAccess"
VIEW_ONLY = f"{AWS}job-function/ViewOnlyAccess"
GUARDDUTY_POLICY = f"{AWS}aws-service-role/AmazonGuardDutyServiceRolePolicy"


def _all(iam: Any, **kw: Any) -> list[dict[str, Any]]:
    pages = iam.get_paginator("list_policies").paginate(**kw, PaginationConfig={"PageSize": 400})
    return [p for page in pages for p in page["Policies"]]


def test_every_aws_managed_policy_is_listed_with_its_own_path(iam, unique) -> None:
    aws = _all(iam, Scope="AWS")
    assert len(aws) > 1000
    names = [p["PolicyName"] for p in aws]
    assert names == sorted(names, key=str.lower) and len(set(names)) == len(names)
    assert all(p["Arn"] == f"{AWS}{p['Path'][1:]}{p['PolicyName']}" for p in aws)
    assert all(p["IsAttachable"] is True for p in aws)
    assert all(p["PolicyId"].startswith("ANPA") for p in aws)
    by_name = {p["PolicyName"]: p for p in aws}
    assert by_name["ReadOnlyAccess"]["Path"] == "/"
    assert by_name["ViewOnlyAccess"]["Path"] == "/job-function/"
    assert by_name["AWSLambdaBasicExecutionRole"]["Path"] == "/service-role/"
    assert by_name["AmazonGuardDutyServiceRolePolicy"]["Path"] == "/aws-service-role/"
    assert "Description" not in by_name["ReadOnlyAccess"]  # ListPolicies leaves it out
    paths = {p["Path"] for p in aws}
    assert {"/", "/service-role/", "/job-function/", "/aws-service-role/"} <= paths

    job = _all(iam, Scope="AWS", PathPrefix="/job-function/")
    assert "ViewOnlyAccess" in {p["PolicyName"] for p in job}
    assert {p["Path"] for p in job} == {"/job-function/"}
    assert len(_all(iam, Scope="AWS", PathPrefix="/service-role/")) > 100

    # Scope=All interleaves the account's policies with AWS's, page after page.
    mine = make_policy(iam, unique("AmazonS3ReadOnlyAccess"))["PolicyName"]
    every = _all(iam, Scope="All")
    local = _all(iam, Scope="Local")
    assert len(every) == len(aws) + len(local)
    listed = [p["PolicyName"] for p in every]
    assert listed == sorted(listed, key=str.lower)
    assert listed.index("AmazonS3ReadOnlyAccess") < listed.index(mine)
    first = iam.list_policies(Scope="All", MaxItems=7)
    assert len(first["Policies"]) == 7 and first["IsTruncated"] is True
    second = iam.list_policies(Scope="All", MaxItems=7, Marker=first["Marker"])
    assert [p["PolicyName"] for p in first["Policies"] + second["Policies"]] == listed[:14]
    assert fails(iam.list_policies, Scope="AWS", Marker="bogus") == (
        "ValidationError",
        400,
        "Invalid Marker.",
    )


def test_get_policy_and_every_version(iam) -> None:
    policy = iam.get_policy(PolicyArn=S3_READ)["Policy"]
    assert policy["Path"] == "/" and policy["IsAttachable"] is True
    assert policy["Description"] == (
        "Provides read only access to all buckets via the AWS Management Console."
    )
    assert policy["Tags"] == []  # AWS answers an empty list
    default = policy["DefaultVersionId"]
    versions = iam.list_policy_versions(PolicyArn=S3_READ)["Versions"]
    numbers = [int(v["VersionId"][1:]) for v in versions]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 3 and numbers[-1] == 1
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == [default]
    assert all("Document" not in v for v in versions)
    assert versions[0]["CreateDate"] == policy["UpdateDate"]
    page = iam.list_policy_versions(PolicyArn=S3_READ, MaxItems=1)
    assert page["IsTruncated"] is True and page["Versions"] == versions[:1]
    first = iam.get_policy_version(PolicyArn=S3_READ, VersionId="v1")["PolicyVersion"]
    assert first["IsDefaultVersion"] is False
    assert first["Document"]["Statement"][0]["Action"] == ["s3:Get*", "s3:List*"]
    current = iam.get_policy_version(PolicyArn=S3_READ, VersionId=default)["PolicyVersion"]
    assert current["IsDefaultVersion"] is True and current["Document"] != first["Document"]
    assert fails(iam.get_policy_version, PolicyArn=S3_READ, VersionId="v999") == (
        "NoSuchEntity",
        404,
        f"Policy {S3_READ} version v999 does not exist or is not attachable.",
    )

    view_only = iam.get_policy(PolicyArn=VIEW_ONLY)["Policy"]
    assert (view_only["PolicyName"], view_only["Path"]) == ("ViewOnlyAccess", "/job-function/")
    role_policy = iam.get_policy(PolicyArn=f"{AWS}service-role/AWSLambdaBasicExecutionRole")
    assert role_policy["Policy"]["Path"] == "/service-role/"
    # The name without its path names no policy.
    wrong = f"{AWS}ViewOnlyAccess"
    assert fails(iam.get_policy, PolicyArn=wrong) == (
        "NoSuchEntity",
        404,
        f"Policy {wrong} was not found.",
    )
    assert fails(iam.list_policy_versions, PolicyArn=f"{AWS}NoSuchPolicy")[:2] == (
        "NoSuchEntity",
        404,
    )


def test_attaching_counts_filters_and_the_policy_engine(iam, server: Server, unique) -> None:
    ses = f"{AWS}AmazonSESReadOnlyAccess"
    sns = f"{AWS}AmazonSNSReadOnlyAccess"
    role = unique("ses-reader")
    make_role(iam, role)
    iam.attach_role_policy(RoleName=role, PolicyArn=ses)
    assert iam.get_policy(PolicyArn=ses)["Policy"]["AttachmentCount"] == 1
    entities = iam.list_entities_for_policy(PolicyArn=ses)
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    attached = _all(iam, Scope="AWS", OnlyAttached=True)
    assert ses in {p["Arn"] for p in attached}
    assert {p["Arn"] for p in attached} <= {p["Arn"] for p in _all(iam, Scope="AWS")}
    listed = next(p for p in attached if p["Arn"] == ses)
    assert (listed["Path"], listed["IsAttachable"], listed["AttachmentCount"]) == ("/", True, 1)
    # Listed from the stored copies too, each AWS managed policy keeps its path and attachability.
    for used in _all(iam, Scope="All", OnlyAttached=True):
        if used["Arn"].startswith(AWS):
            assert used["Arn"] == f"{AWS}{used['Path'][1:]}{used['PolicyName']}"
            assert used["IsAttachable"] is True

    # The account's details show an attached AWS managed policy with its whole history.
    iam.attach_role_policy(RoleName=role, PolicyArn=S3_READ)
    details = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["AWSManagedPolicy"]
    )
    shown = {p["Arn"]: p for page in details for p in page["Policies"]}
    history = shown[S3_READ]["PolicyVersionList"]
    versions = iam.list_policy_versions(PolicyArn=S3_READ)["Versions"]
    assert [v["VersionId"] for v in history] == [v["VersionId"] for v in versions]
    assert [v["IsDefaultVersion"] for v in history] == [v["IsDefaultVersion"] for v in versions]
    assert history[-1]["Document"]["Statement"][0]["Action"] == ["s3:Get*", "s3:List*"]
    assert {ses, S3_READ} <= set(shown) and GUARDDUTY_POLICY not in shown
    iam.detach_role_policy(RoleName=role, PolicyArn=S3_READ)

    user = unique("bounded")
    iam.create_user(UserName=user, PermissionsBoundary=sns)
    bounding = _all(iam, Scope="All", PolicyUsageFilter="PermissionsBoundary")
    assert sns in {p["Arn"] for p in bounding} and ses not in {p["Arn"] for p in bounding}
    assert iam.get_policy(PolicyArn=sns)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    by_usage = iam.list_entities_for_policy(PolicyArn=sns, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in by_usage["PolicyUsers"]] == [user]

    # AWS's service-role policies are listed attachable but reserved to service-linked roles.
    assert fails(iam.attach_role_policy, RoleName=role, PolicyArn=GUARDDUTY_POLICY) == (
        "PolicyNotAttachable",
        400,
        "Cannot attach a Service Role Policy to a Customer Role.",
    )
    assert fails(iam.attach_role_policy, RoleName=role, PolicyArn=f"{AWS}NoSuchPolicy") == (
        "NoSuchEntity",
        404,
        f"Policy {AWS}NoSuchPolicy does not exist or is not attachable.",
    )

    # The engine reads AWS's own document: IAMReadOnlyAccess lets a user read IAM, not write.
    reader = unique("reader")
    iam.create_user(UserName=reader)
    iam.attach_user_policy(UserName=reader, PolicyArn=f"{AWS}IAMReadOnlyAccess")
    key = iam.create_access_key(UserName=reader)["AccessKey"]
    as_reader = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert as_reader.get_user(UserName=reader)["User"]["UserName"] == reader
    assert fails(as_reader.create_policy, PolicyName=unique("no"), PolicyDocument=doc())[:2] == (
        "AccessDenied",
        403,
    )

    iam.detach_role_policy(RoleName=role, PolicyArn=ses)
    assert iam.get_policy(PolicyArn=ses)["Policy"]["AttachmentCount"] == 0
    assert ses not in {p["Arn"] for p in _all(iam, Scope="AWS", OnlyAttached=True)}
    assert iam.list_entities_for_policy(PolicyArn=ses)["PolicyRoles"] == []


def test_service_linked_roles_of_more_services(iam, unique) -> None:
    created = iam.create_service_linked_role(AWSServiceName="guardduty.amazonaws.com")["Role"]
    assert created["RoleName"] == "AWSServiceRoleForAmazonGuardDuty"
    assert created["Path"] == "/aws-service-role/guardduty.amazonaws.com/"
    trust = created["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "guardduty.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=created["RoleName"])["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "AmazonGuardDutyServiceRolePolicy", "PolicyArn": GUARDDUTY_POLICY}
    ]
    assert iam.get_policy(PolicyArn=GUARDDUTY_POLICY)["Policy"]["AttachmentCount"] == 1

    for service in ("guardduty.amazonaws.com", "elasticfilesystem.amazonaws.com"):
        assert fails(
            iam.create_service_linked_role, AWSServiceName=service, CustomSuffix="mine"
        ) == ("InvalidInput", 400, f"Custom suffix is not allowed for {service}")
    efs = iam.create_service_linked_role(AWSServiceName="elasticfilesystem.amazonaws.com")
    assert efs["Role"]["RoleName"] == "AWSServiceRoleForAmazonElasticFileSystem"

    suffix = unique("bots").replace("-", "")
    lex = iam.create_service_linked_role(
        AWSServiceName="lexv2.amazonaws.com", CustomSuffix=suffix, Description="my bots"
    )["Role"]
    assert lex["RoleName"] == f"AWSServiceRoleForLexV2Bots_{suffix}"
    assert lex["Path"] == "/aws-service-role/lexv2.amazonaws.com/"
    assert lex["Description"] == "my bots"
    assert [
        p["PolicyName"]
        for p in iam.list_attached_role_policies(RoleName=lex["RoleName"])["AttachedPolicies"]
    ] == ["AmazonLexV2BotPolicy"]

    assert fails(iam.create_service_linked_role, AWSServiceName="guardduty.amazonaws.com") == (
        "InvalidInput",
        400,
        "Service role name AWSServiceRoleForAmazonGuardDuty has been taken in this account,"
        " please try a different suffix.",
    )
    assert fails(iam.create_service_linked_role, AWSServiceName="nothing.amazonaws.com") == (
        "InvalidInput",
        400,
        "Invalid service name: nothing.amazonaws.com",
    )
    for name in (created["RoleName"], efs["Role"]["RoleName"], lex["RoleName"]):
        task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
        status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
        assert status["Status"] == "SUCCEEDED"
    assert iam.get_policy(PolicyArn=GUARDDUTY_POLICY)["Policy"]["AttachmentCount"] == 0
