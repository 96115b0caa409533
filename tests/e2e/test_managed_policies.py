"""Managed policies and their versions end to end with boto3 and the AWS CLI against a real
server, on SQLite and PostgreSQL: CreatePolicy … DeletePolicy, versions, tags, listings, AWS
managed policies. Attachments and boundaries: test_policy_attachments.py.

Each bad input names the answer AWS gives: code, HTTP status and message.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from policy_helpers import ACCOUNT, TRUST, doc, error_of, fails, make_policy, make_role

from harness import RESET, Server
from signing import send


def test_create_policy_returns_the_aws_shape(iam, unique) -> None:
    name = unique("pol")
    before = datetime.now(UTC) - timedelta(seconds=2)
    policy = iam.create_policy(
        PolicyName=name,
        Path="/team/",
        PolicyDocument=doc(),
        Description="reads objects",
        Tags=[{"Key": "Team", "Value": "core"}],
    )["Policy"]
    assert policy["PolicyName"] == name
    assert policy["Arn"] == f"arn:aws:iam::{ACCOUNT}:policy/team/{name}"
    assert policy["Path"] == "/team/"
    assert policy["PolicyId"].startswith("ANPA") and len(policy["PolicyId"]) == 21
    assert policy["DefaultVersionId"] == "v1"
    assert policy["AttachmentCount"] == 0
    assert policy["PermissionsBoundaryUsageCount"] == 0
    assert policy["IsAttachable"] is True
    assert before <= policy["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    assert policy["UpdateDate"] == policy["CreateDate"]
    assert policy["Tags"] == [{"Key": "Team", "Value": "core"}]
    got = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert got["Description"] == "reads objects"
    assert got["PolicyId"] == policy["PolicyId"]
    assert got["Tags"] == [{"Key": "Team", "Value": "core"}]


def test_policy_names_are_unique_without_regard_to_case(iam, unique) -> None:
    name = unique("dup")
    make_policy(iam, name)
    assert fails(iam.create_policy, PolicyName=name.upper(), PolicyDocument=doc()) == (
        "EntityAlreadyExists",
        409,
        f"A policy called {name.upper()} already exists. Duplicate names are not allowed.",
    )
    # Another path does not make another name.
    assert fails(iam.create_policy, PolicyName=name, Path="/x/", PolicyDocument=doc())[0] == (
        "EntityAlreadyExists"
    )


def test_create_policy_refuses_bad_documents(iam, unique) -> None:
    code, status, _ = fails(iam.create_policy, PolicyName=unique("bad"), PolicyDocument="{nope")
    assert (code, status) == ("MalformedPolicyDocument", 400)
    with_principal = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        }
    )
    assert fails(iam.create_policy, PolicyName=unique("bad"), PolicyDocument=with_principal) == (
        "MalformedPolicyDocument",
        400,
        "Policy document should not specify a principal.",
    )
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [f"s3:Get{'x' * 60}{i}" for i in range(100)],
                    "Resource": "*",
                }
            ],
        }
    )
    assert fails(iam.create_policy, PolicyName=unique("big"), PolicyDocument=big) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for PolicySize: 6144",
    )


def test_unknown_and_invalid_policy_arns(iam, unique) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{unique('ghost')}"
    for call in (
        lambda: iam.get_policy(PolicyArn=arn),
        lambda: iam.delete_policy(PolicyArn=arn),
        lambda: iam.list_policy_versions(PolicyArn=arn),
        lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc()),
        lambda: iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NoSuchEntity", 404, f"Policy {arn} was not found.")
    with pytest.raises(ClientError) as excinfo:
        iam.list_entities_for_policy(PolicyArn=arn)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        404,
        f"Policy {arn} does not exist or is not attachable.",
    )
    bad = "arn:aws:iam::aws:role/NotAPolicy"
    assert fails(iam.get_policy, PolicyArn=bad) == ("InvalidInput", 400, f"ARN {bad} is not valid.")
    # The path is part of the ARN: the right name under another path is another policy.
    created = make_policy(iam, unique("pathed"), Path="/a/")
    wrong_path = created["Arn"].replace("/a/", "/b/")
    assert fails(iam.get_policy, PolicyArn=wrong_path)[0] == "NoSuchEntity"


def test_versions_lifecycle(iam, unique) -> None:
    arn = make_policy(iam, unique("ver"))["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("s3:PutObject"))
    assert v2["PolicyVersion"]["VersionId"] == "v2"
    assert v2["PolicyVersion"]["IsDefaultVersion"] is False
    v2_created = v2["PolicyVersion"]["CreateDate"]
    assert "Document" not in v2["PolicyVersion"]
    v3 = iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=doc("s3:DeleteObject"), SetAsDefault=True
    )["PolicyVersion"]
    assert (v3["VersionId"], v3["IsDefaultVersion"]) == ("v3", True)
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["DefaultVersionId"] == "v3"
    assert policy["UpdateDate"] == v3["CreateDate"]
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [
        ("v3", True),
        ("v2", False),
        ("v1", False),
    ]
    assert all("Document" not in v for v in listed)
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert got["Document"] == json.loads(doc("s3:PutObject"))  # botocore url-decodes it
    assert got["IsDefaultVersion"] is False
    assert fails(iam.delete_policy_version, PolicyArn=arn, VersionId="v3") == (
        "DeleteConflict",
        409,
        "Cannot delete the default version of a policy.",
    )
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    # UpdateDate follows the newest version kept.
    assert iam.get_policy(PolicyArn=arn)["Policy"]["UpdateDate"] == v2_created
    missing = f"Policy {arn} version v3 does not exist or is not attachable."
    assert fails(iam.get_policy_version, PolicyArn=arn, VersionId="v3") == (
        "NoSuchEntity",
        404,
        missing,
    )
    assert fails(iam.set_default_policy_version, PolicyArn=arn, VersionId="v3")[2] == missing
    assert fails(iam.delete_policy_version, PolicyArn=arn, VersionId="v3")[2] == missing
    # Version ids are never reused.
    v4 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("s3:ListBucket"))
    assert v4["PolicyVersion"]["VersionId"] == "v4"


def test_at_most_five_versions(iam, unique) -> None:
    arn = make_policy(iam, unique("five"))["Arn"]
    for i in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(f"s3:Get{i}"))
    assert fails(iam.create_policy_version, PolicyArn=arn, PolicyDocument=doc()) == (
        "LimitExceeded",
        409,
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version.",
    )
    page = iam.list_policy_versions(PolicyArn=arn, MaxItems=2)
    assert [v["VersionId"] for v in page["Versions"]] == ["v5", "v4"]
    assert page["IsTruncated"] is True
    rest = iam.list_policy_versions(PolicyArn=arn, Marker=page["Marker"], MaxItems=3)
    assert [v["VersionId"] for v in rest["Versions"]] == ["v3", "v2", "v1"]
    assert rest["IsTruncated"] is False


def test_racing_create_policy_version_never_makes_six(iam, unique, server: Server) -> None:
    """Rounds of two CreatePolicyVersion calls racing for the fifth version: exactly one wins
    each time, and never a sixth version."""
    arn = make_policy(iam, unique("race"))["Arn"]
    for i in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(f"s3:Get{i}"))
    clients = [server.client("iam") for _ in range(2)]

    def create(client, barrier, outcomes: list[str]) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            client.create_policy_version(PolicyArn=arn, PolicyDocument=doc("s3:PutObject"))
            outcomes.append("ok")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    for _ in range(6):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        threads = [threading.Thread(target=create, args=(c, barrier, outcomes)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        assert sorted(outcomes) == ["LimitExceeded", "ok"]
        assert len(versions) == 5
        iam.delete_policy_version(PolicyArn=arn, VersionId=versions[0]["VersionId"])


def test_delete_policy_needs_detaching_and_version_cleanup_first(iam, unique) -> None:
    arn = make_policy(iam, unique("del"))["Arn"]
    role = unique("holder")
    make_role(iam, role)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    attached = ("DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    assert fails(iam.delete_policy, PolicyArn=arn) == attached
    # ...and the role cannot go while the policy is attached.
    assert fails(iam.delete_role, RoleName=role) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must detach all policies first.",
    )
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=arn)
    assert fails(iam.delete_policy, PolicyArn=arn) == attached
    iam.delete_role_permissions_boundary(RoleName=role)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("s3:PutObject"))
    assert fails(iam.delete_policy, PolicyArn=arn) == (
        "DeleteConflict",
        409,
        "This policy has more than one version. Before you delete a policy, you must delete the "
        "policy's versions. The default version is deleted with the policy.",
    )
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    assert fails(iam.get_policy, PolicyArn=arn)[0] == "NoSuchEntity"
    iam.delete_role(RoleName=role)


def test_list_policies_filters(iam, unique) -> None:
    prefix = f"/{unique('lp')}/"
    names = sorted(unique(f"lp{i}") for i in range(4))
    arns = [make_policy(iam, n, Path=prefix)["Arn"] for n in names]
    role = unique("lp-role")
    make_role(iam, role)
    iam.attach_role_policy(RoleName=role, PolicyArn=arns[1])
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=arns[2])

    def listed(**kw) -> list[str]:  # type: ignore[no-untyped-def]
        return [p["PolicyName"] for p in iam.list_policies(PathPrefix=prefix, **kw)["Policies"]]

    assert listed() == names
    assert listed(Scope="Local") == names
    assert listed(Scope="AWS") == []
    assert listed(OnlyAttached=True) == [names[1]]
    assert listed(PolicyUsageFilter="PermissionsBoundary") == [names[2]]
    assert listed(OnlyAttached=True, PolicyUsageFilter="PermissionsPolicy") == [names[1]]
    policies = iam.list_policies(PathPrefix=prefix)["Policies"]
    assert "Description" not in policies[0] and "Tags" not in policies[0]
    assert [p["AttachmentCount"] for p in policies] == [0, 1, 0, 0]
    assert [p["PermissionsBoundaryUsageCount"] for p in policies] == [0, 0, 1, 0]
    # Pagination at the boundaries: MaxItems 1, and an exact multiple of the page size.
    for size in (1, 2, 4):
        seen: list[str] = []
        kw: dict = {}
        while True:
            page = iam.list_policies(PathPrefix=prefix, MaxItems=size, **kw)
            seen += [p["PolicyName"] for p in page["Policies"]]
            assert len(page["Policies"]) <= size
            if not page["IsTruncated"]:
                assert "Marker" not in page
                break
            kw = {"Marker": page["Marker"]}
        assert seen == names
    assert fails(iam.list_policies, Marker="bogus") == ("ValidationError", 400, "Invalid Marker.")


def test_aws_managed_policies_are_listed_attachable_and_unmodifiable(iam, unique) -> None:
    pages = iam.get_paginator("list_policies").paginate(Scope="AWS")
    names = {p["PolicyName"] for page in pages for p in page["Policies"]}
    assert len(names) > 1000
    assert {
        "AdministratorAccess",
        "PowerUserAccess",
        "ReadOnlyAccess",
        "IAMFullAccess",
        "IAMReadOnlyAccess",
    } <= names
    admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    admin = iam.get_policy(PolicyArn=admin_arn)["Policy"]
    assert admin["PolicyId"].startswith("ANPA") and admin["IsAttachable"] is True
    version = iam.get_policy_version(PolicyArn=admin_arn, VersionId=admin["DefaultVersionId"])
    assert version["PolicyVersion"]["Document"]["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ]
    role = unique("admin")
    make_role(iam, role)
    iam.attach_role_policy(RoleName=role, PolicyArn=admin_arn)
    assert {
        "PolicyName": "AdministratorAccess",
        "PolicyArn": admin_arn,
    } in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert iam.get_policy(PolicyArn=admin_arn)["Policy"]["AttachmentCount"] >= 1
    for call in (
        lambda: iam.delete_policy(PolicyArn=admin_arn),
        lambda: iam.create_policy_version(PolicyArn=admin_arn, PolicyDocument=doc()),
        lambda: iam.delete_policy_version(PolicyArn=admin_arn, VersionId="v1"),
        lambda: iam.set_default_policy_version(PolicyArn=admin_arn, VersionId="v1"),
        lambda: iam.tag_policy(PolicyArn=admin_arn, Tags=[{"Key": "k", "Value": "v"}]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[:2] == ("AccessDenied", 403)
    iam.detach_role_policy(RoleName=role, PolicyArn=admin_arn)
    iam.delete_role(RoleName=role)


def test_operators_add_aws_managed_policies(backend, tmp_path: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "extra-policies"
    extra.mkdir()
    (extra / "MyServicePolicy.json").write_text(
        json.dumps(
            {
                "PolicyName": "MyServiceRolePolicy",
                "Path": "/aws-service-role/",
                "Description": "for the service-linked role",
                "DefaultVersionId": "v3",
                "CreateDate": "2020-01-01T00:00:00+00:00",
                "Document": json.loads(doc("myservice:*")),
            }
        )
    )

    class WithExtraPolicies(Server):
        def environment(self) -> dict[str, str]:
            return {**super().environment(), "ROLEGATE_AWS_MANAGED_POLICIES_DIR": str(extra)}

    srv = start_server()
    srv.stop()
    custom = WithExtraPolicies(srv.data_dir, srv.database_url).start()
    try:
        iam = custom.client("iam")
        arn = "arn:aws:iam::aws:policy/aws-service-role/MyServiceRolePolicy"
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        assert policy["DefaultVersionId"] == "v3"
        assert policy["IsAttachable"] is True  # as AWS lists its service-role policies
        assert policy["Description"] == "for the service-linked role"
        iam.create_role(RoleName="plain", AssumeRolePolicyDocument=TRUST)
        code, status, _ = fails(iam.attach_role_policy, RoleName="plain", PolicyArn=arn)
        assert (code, status) == ("PolicyNotAttachable", 400)
    finally:
        custom.stop()


def test_policy_tags(iam, unique) -> None:
    # A policy's tag keys compare exactly: "A" is another tag than "a" (users' and roles' are
    # case-insensitive); a known key has its value replaced.
    arn = make_policy(iam, unique("tagged"), Tags=[{"Key": "a", "Value": "1"}])["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}])
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "4"}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "a", "Value": "4"},
        {"Key": "A", "Value": "2"},
        {"Key": "b", "Value": "3"},
    ]
    page = iam.list_policy_tags(PolicyArn=arn, MaxItems=2)
    assert page["IsTruncated"] is True
    assert iam.list_policy_tags(PolicyArn=arn, Marker=page["Marker"])["Tags"] == [
        {"Key": "b", "Value": "3"}
    ]
    iam.untag_policy(PolicyArn=arn, TagKeys=["a", "B"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "A", "Value": "2"},
        {"Key": "b", "Value": "3"},
    ]


def test_cli_create_attach_and_list(server: Server, unique, tmp_path: Path) -> None:
    name = unique("cli")
    document = tmp_path / "policy.json"
    document.write_text(doc("s3:ListBucket"))
    created = server.aws_json(
        "iam", "create-policy", "--policy-name", name, "--policy-document", f"file://{document}"
    )["Policy"]
    arn = created["Arn"]
    version = server.aws_json(
        "iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1"
    )["PolicyVersion"]
    assert version["Document"] == json.loads(doc("s3:ListBucket"))
    role = unique("cli-role")
    server.aws_json(
        "iam", "create-role", "--role-name", role, "--assume-role-policy-document", TRUST
    )
    server.aws_json("iam", "attach-role-policy", "--role-name", role, "--policy-arn", arn)
    attached = server.aws_json("iam", "list-attached-role-policies", "--role-name", role)
    assert attached["AttachedPolicies"] == [{"PolicyName": name, "PolicyArn": arn}]
    listed = server.aws_json("iam", "list-policies", "--scope", "Local", "--only-attached")
    assert arn in {p["Arn"] for p in listed["Policies"]}


def test_shipped_service_role_policies_go_to_service_linked_roles_only(iam, unique) -> None:
    arn = "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["Path"], policy["IsAttachable"]) == ("/aws-service-role/", True)
    suffix = unique("asg").replace("-", "")
    role = iam.create_service_linked_role(
        AWSServiceName="autoscaling.amazonaws.com", CustomSuffix=suffix
    )["Role"]
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert attached == [{"PolicyName": "AutoScalingServiceRolePolicy", "PolicyArn": arn}]
    plain = unique("plain")
    make_role(iam, plain)
    assert fails(iam.attach_role_policy, RoleName=plain, PolicyArn=arn) == (
        "PolicyNotAttachable",
        400,
        "Cannot attach a Service Role Policy to a Customer Role.",
    )
    code, status, _ = fails(
        iam.put_role_permissions_boundary, RoleName=plain, PermissionsBoundary=arn
    )
    assert (code, status) == ("PolicyNotAttachable", 400)


def test_reset_keeps_the_aws_managed_policies(start_server) -> None:  # type: ignore[no-untyped-def]
    srv = start_server(auth="permissive")
    iam = srv.client("iam")
    arn = make_policy(iam, "Local")["Arn"]
    assert send(srv.endpoint + "/_rolegate/reset", headers=RESET).status == 200
    assert fails(iam.get_policy, PolicyArn=arn)[0] == "NoSuchEntity"
    assert iam.list_policies(Scope="Local")["Policies"] == []
    aws = {p["PolicyName"] for p in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]}
    assert "AdministratorAccess" in aws


def test_cli_paginates_and_manages_versions(server: Server, unique, tmp_path: Path) -> None:
    prefix = f"/{unique('clipage')}/"
    document = tmp_path / "policy.json"
    document.write_text(doc())
    names = sorted(unique(f"cp{i}") for i in range(3))
    for name in names:
        server.aws_json(
            "iam",
            "create-policy",
            "--policy-name",
            name,
            "--path",
            prefix,
            "--policy-document",
            f"file://{document}",
        )
    # The CLI follows IsTruncated/Marker itself; --page-size 1 makes it walk three pages.
    listed = server.aws_json("iam", "list-policies", "--path-prefix", prefix, "--page-size", "1")
    assert [p["PolicyName"] for p in listed["Policies"]] == names
    first = server.aws_json("iam", "list-policies", "--path-prefix", prefix, "--max-items", "2")
    assert [p["PolicyName"] for p in first["Policies"]] == names[:2]
    rest = server.aws_json(
        "iam", "list-policies", "--path-prefix", prefix, "--starting-token", first["NextToken"]
    )
    assert [p["PolicyName"] for p in rest["Policies"]] == names[2:]
    arn = f"arn:aws:iam::{ACCOUNT}:policy{prefix}{names[0]}"
    document.write_text(doc("s3:PutObject"))
    version = server.aws_json(
        "iam",
        "create-policy-version",
        "--policy-arn",
        arn,
        "--policy-document",
        f"file://{document}",
        "--set-as-default",
    )["PolicyVersion"]
    assert (version["VersionId"], version["IsDefaultVersion"]) == ("v2", True)
    versions = server.aws_json("iam", "list-policy-versions", "--policy-arn", arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v2", "v1"]
    failed = server.aws("iam", "delete-policy", "--policy-arn", arn)
    assert failed.returncode != 0
    assert "DeleteConflict" in failed.stderr and "more than one version" in failed.stderr


def test_remaining_documented_errors(iam, unique) -> None:
    arn = make_policy(iam, unique("errs"), Tags=[{"Key": "k0", "Value": "v"}])["Arn"]
    code, status, _ = fails(iam.create_policy_version, PolicyArn=arn, PolicyDocument="[]")
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert fails(
        iam.tag_policy, PolicyArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]
    ) == ("InvalidInput", 400, "Duplicate tag keys found.")
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(1, 50)])
    assert fails(iam.tag_policy, PolicyArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]) == (
        "LimitExceeded",
        409,
        "The number of tags has reached the maximum limit.",
    )
    bad = "arn:aws:iam::123456789012:user/not-a-policy"
    role = unique("errs-role")
    make_role(iam, role)
    for call in (
        lambda: iam.delete_policy(PolicyArn=bad),
        lambda: iam.list_entities_for_policy(PolicyArn=bad),
        lambda: iam.get_policy_version(PolicyArn=bad, VersionId="v1"),
        lambda: iam.detach_role_policy(RoleName=role, PolicyArn=bad),
        lambda: iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=bad),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("InvalidInput", 400, f"ARN {bad} is not valid.")
