"""Service last accessed data end to end on SQLite and PostgreSQL: uses recorded for allowed IAM
and STS calls (a user, a role through its sessions) and for decisions of the authorization
service, reported by GenerateServiceLastAccessedDetails at service and action level for a user,
a group, a role and a managed policy; the entities behind a group's report; the policies granting
each service; bad ARNs, unknown entities and jobs, and another principal's job."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from authz_helpers import WIDGETS, AuthzServer, question, signed
from policy_helpers import fails
from sts_helpers import Account, User, allow, document, new_account, temporary_client, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

GRANTS = document(allow(["iam:Get*", "iam:List*", "s3:GetObject", "sts:GetCallerIdentity"]))


@pytest.fixture
def account(server: Server) -> Account:
    return new_account(server)


def _report(iam: Any, arn: str, **kw: Any) -> dict[str, Any]:
    job = iam.generate_service_last_accessed_details(Arn=arn, **kw)["JobId"]
    assert len(job) == 36
    report: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job)
    report["JobId"] = job
    return report


def _services(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["ServiceNamespace"]: s for s in report["ServicesLastAccessed"]}


def test_a_users_report(account: Account) -> None:
    root = account.client()
    dev = account.user(GRANTS)
    dev.client("iam").get_user()
    dev.client("iam").list_roles()
    dev.client("sts").get_caller_identity()
    started = datetime.now(UTC)
    report = _report(root, dev.arn)
    assert (report["JobStatus"], report["JobType"]) == ("COMPLETED", "SERVICE_LEVEL")
    assert report["JobCompletionDate"] >= report["JobCreationDate"]
    services = _services(report)
    assert sorted(services) == ["iam", "s3", "sts"]
    iam = services["iam"]
    assert iam["ServiceName"] == "AWS Identity and Access Management (IAM)"
    assert (iam["LastAuthenticatedEntity"], iam["LastAuthenticatedRegion"]) == (
        dev.arn,
        "us-east-1",
    )
    assert abs(iam["LastAuthenticated"] - started) < timedelta(minutes=5)
    assert iam["TotalAuthenticatedEntities"] == 1 and "TrackedActionsLastAccessed" not in iam
    assert services["s3"] == {
        "ServiceName": "Amazon S3",
        "ServiceNamespace": "s3",
        "TotalAuthenticatedEntities": 0,
    }
    assert services["sts"]["TotalAuthenticatedEntities"] == 1
    detailed = _services(_report(root, dev.arn, Granularity="ACTION_LEVEL"))
    actions = {a["ActionName"] for a in detailed["iam"]["TrackedActionsLastAccessed"]}
    assert actions == {"GetUser", "ListRoles"}
    assert detailed["s3"]["TrackedActionsLastAccessed"] == []
    page = root.get_service_last_accessed_details(JobId=report["JobId"], MaxItems=2)
    assert page["IsTruncated"] is True and len(page["ServicesLastAccessed"]) == 2
    rest = root.get_service_last_accessed_details(JobId=report["JobId"], Marker=page["Marker"])
    assert [s["ServiceNamespace"] for s in rest["ServicesLastAccessed"]] == ["sts"]
    # The report is its requester's: the user cannot read the root user's job.
    assert fails(dev.client("iam").get_service_last_accessed_details, JobId=report["JobId"]) == (
        "NoSuchEntity",
        404,
        f"The report with job id {report['JobId']} cannot be found.",
    )


def test_group_policy_and_role_reports(account: Account) -> None:
    root = account.client()
    dev = account.user()
    root.create_group(GroupName="devs")
    root.add_user_to_group(GroupName="devs", UserName=dev.name)
    root.put_group_policy(
        GroupName="devs", PolicyName="all-iam", PolicyDocument=document(allow("iam:*"))
    )
    managed = root.create_policy(PolicyName="lister", PolicyDocument=document(allow("iam:List*")))
    root.attach_user_policy(UserName=dev.name, PolicyArn=managed["Policy"]["Arn"])
    dev.client("iam").list_users()
    group = root.get_group(GroupName="devs")["Group"]
    group_report = _report(root, group["Arn"])
    assert sorted(_services(group_report)) == ["iam"]
    assert _services(group_report)["iam"]["LastAuthenticatedEntity"] == dev.arn
    with_entities = root.get_service_last_accessed_details_with_entities(
        JobId=group_report["JobId"], ServiceNamespace="iam"
    )
    assert with_entities["JobStatus"] == "COMPLETED"
    [entity] = with_entities["EntityDetailsList"]
    assert entity["EntityInfo"] == {
        "Arn": dev.arn,
        "Name": dev.name,
        "Type": "USER",
        "Id": dev.user_id,
        "Path": "/",
    }
    assert "LastAuthenticated" in entity
    unused = root.get_service_last_accessed_details_with_entities(
        JobId=group_report["JobId"], ServiceNamespace="s3"
    )["EntityDetailsList"]
    assert unused == [{"EntityInfo": entity["EntityInfo"]}]
    policy_report = _report(root, managed["Policy"]["Arn"])
    assert _services(policy_report)["iam"]["TotalAuthenticatedEntities"] == 1

    role = account.role(trust({"AWS": dev.arn}), document(allow("iam:ListRoles")))
    session = dev.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="report")
    role_client = temporary_client(account.server, session["Credentials"])
    role_client.list_roles()
    role_iam = _services(_report(root, role["Arn"]))["iam"]
    # A read records its use best effort: when another writer holds SQLite (the audit trail's
    # outbox flushes every second) the next request records it (services/authz/last_used.py).
    deadline = time.monotonic() + 10
    while "LastAuthenticatedEntity" not in role_iam and time.monotonic() < deadline:
        time.sleep(0.2)
        role_client.list_roles()
        role_iam = _services(_report(root, role["Arn"]))["iam"]
    assert role_iam["LastAuthenticatedEntity"] == role["Arn"]

    granting = root.list_policies_granting_service_access(
        Arn=dev.arn, ServiceNamespaces=["iam", "ec2"]
    )
    assert granting["IsTruncated"] is False
    assert granting["PoliciesGrantingServiceAccess"] == [
        {
            "ServiceNamespace": "iam",
            "Policies": [
                {
                    "PolicyName": "lister",
                    "PolicyType": "MANAGED",
                    "PolicyArn": managed["Policy"]["Arn"],
                },
                {
                    "PolicyName": "all-iam",
                    "PolicyType": "INLINE",
                    "EntityType": "GROUP",
                    "EntityName": "devs",
                },
            ],
        },
        {"ServiceNamespace": "ec2", "Policies": []},
    ]


def test_bad_input(account: Account) -> None:
    root = account.client()
    acct = account.account_id
    for arn in (f"arn:aws:iam::{acct}:mfa/device", "arn:aws:s3:::some-bucket", "x" * 20):
        assert fails(root.generate_service_last_accessed_details, Arn=arn) == (
            "InvalidInput",
            400,
            f"Invalid Entity Arn: {arn} does not clearly define entity type and name.",
        )
    assert fails(
        root.generate_service_last_accessed_details, Arn=f"arn:aws:iam::{acct}:user/nobody"
    ) == ("NoSuchEntity", 404, "The user with name nobody cannot be found.")
    assert fails(
        root.generate_service_last_accessed_details, Arn=f"arn:aws:iam::{acct}:role/nobody"
    ) == ("NoSuchEntity", 404, "The role with name nobody cannot be found.")
    policy = f"arn:aws:iam::{acct}:policy/p"
    assert fails(
        root.list_policies_granting_service_access, Arn=policy, ServiceNamespaces=["iam"]
    ) == (
        "InvalidInput",
        400,
        f"Invalid Entity Arn: {policy} does not clearly define entity type and name.",
    )
    job = "00000000-0000-4000-8000-000000000000"
    assert fails(root.get_service_last_accessed_details, JobId=job) == (
        "NoSuchEntity",
        404,
        f"The report with job id {job} cannot be found.",
    )
    code, status, _ = fails(
        root.generate_service_last_accessed_details,
        Arn=f"arn:aws:iam::{acct}:user/u",
        Granularity="FINE",
    )
    assert (code, status) == ("ValidationError", 400)


def test_the_authorization_service_records_what_it_allows(authz: AuthzServer) -> None:
    """A decision of ``/v1/authorize`` that allows is a use of the operator's service, reported
    next to IAM's."""
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)  # WIDGETS' account
    user: User = home.user(document(allow("widgets:GetWidget", f"{WIDGETS}/*")))
    request = signed(user.key_id, user.secret, "https://widgets.internal/widgets/42")
    status, answer = authz.ask(question(request))
    assert (status, answer["decision"]) == (200, "Allow")
    status, answer = authz.ask(question(request, "widgets:PutWidget"))
    assert (status, answer["decision"]) == (200, "ImplicitDeny")
    detailed = _services(_report(home.client(), user.arn, Granularity="ACTION_LEVEL"))
    assert sorted(detailed) == ["widgets"]
    widgets = detailed["widgets"]
    assert (widgets["ServiceName"], widgets["LastAuthenticatedEntity"]) == ("widgets", user.arn)
    assert [a["ActionName"] for a in widgets["TrackedActionsLastAccessed"]] == ["GetWidget"]
