"""Roles end to end with boto3 against a real server, on SQLite and PostgreSQL.

Each bad input names the answer AWS gives: code, HTTP status and message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness import ACCOUNT_ID, Node

TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_TEXT = json.dumps(TRUST)
ALLOW_LIST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}],
    }
)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_create_role_returns_the_aws_shape(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("app")
    before = datetime.now(UTC) - timedelta(seconds=2)
    role = iam.create_role(
        RoleName=name,
        Path="/division/team/",
        AssumeRolePolicyDocument=TRUST_TEXT,
        Description="the app",
        MaxSessionDuration=7200,
        Tags=[{"Key": "Team", "Value": "core"}],
    )["Role"]
    assert role["RoleName"] == name
    assert role["Path"] == "/division/team/"
    assert role["Arn"] == f"arn:aws:iam::123456789012:role/division/team/{name}"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["RoleId"][4:].isupper() or role["RoleId"][4:].isalnum()
    assert before <= role["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    assert role["AssumeRolePolicyDocument"] == TRUST  # botocore url-decodes and parses it
    assert role["Description"] == "the app"
    assert role["Tags"] == [{"Key": "Team", "Value": "core"}]


def test_get_role_shows_defaults_and_last_used(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("app")
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)["Role"]
    role = iam.get_role(RoleName=name)["Role"]
    assert role["RoleId"] == created["RoleId"]
    assert role["Path"] == "/"
    assert role["MaxSessionDuration"] == 3600
    assert role["RoleLastUsed"] == {}
    assert "Tags" not in role and "Description" not in role
    # Role names are unique without regard to case, and found that way.
    assert iam.get_role(RoleName=name.upper())["Role"]["RoleName"] == name


def test_unknown_role_is_no_such_entity(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("ghost")
    call: Callable[[], Any]
    for call in (
        lambda: iam.get_role(RoleName=name),
        lambda: iam.delete_role(RoleName=name),
        lambda: iam.update_role(RoleName=name, Description="x"),
        lambda: iam.list_role_tags(RoleName=name),
        lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=ALLOW_LIST),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            404,
            f"The role with name {name} cannot be found.",
        )


def test_duplicate_names_without_regard_to_case(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("dup")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=name.upper(), AssumeRolePolicyDocument=TRUST_TEXT)
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        409,
        f"Role with name {name.upper()} already exists.",
    )


def test_invalid_names_get_the_validation_message(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName="bad name!", AssumeRolePolicyDocument=TRUST_TEXT)
    assert error_of(excinfo) == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(
            RoleName="x" * 65, AssumeRolePolicyDocument=TRUST_TEXT, MaxSessionDuration=60
        )
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value at 'roleName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64" in message
    )
    assert (
        # IAM quotes no value in its validation messages, numbers included.
        "Value at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value greater than or equal to 3600" in message
    )


def test_malformed_trust_policies_are_refused_and_change_nothing(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("bad-trust")
    for document in (
        "{not json",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}],
            }
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)
        code, status, _ = error_of(excinfo)
        assert (code, status) == ("MalformedPolicyDocument", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_trust_policy_principals_must_exist(iam: Any, unique: Callable[[str], str]) -> None:
    """A trust policy naming a user or role of a held account that does not exist is refused
    (IAM keeps principals by unique id); unknown accounts and existing roles pass."""
    account = ACCOUNT_ID
    name = unique("named-trust")
    missing = f"arn:aws:iam::{account}:user/{unique('nobody')}"

    def trusting(*arns: str) -> str:
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": list(arns)},
            "Action": "sts:AssumeRole",
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trusting(missing))
    assert error_of(excinfo) == (
        "MalformedPolicyDocument",
        400,
        f'Invalid principal in policy: "AWS":"{missing}"',
    )
    other = iam.create_role(
        RoleName=unique("other"), Path="/team/", AssumeRolePolicyDocument=TRUST_TEXT
    )
    other_arn = other["Role"]["Arn"]
    elsewhere = "arn:aws:iam::999999999999:role/not-held-here"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trusting(other_arn, elsewhere))
    wrong_path = other_arn.replace("/team/", "/")
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trusting(wrong_path))
    assert error_of(excinfo)[2] == f'Invalid principal in policy: "AWS":"{wrong_path}"'
    stored = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["AWS"] == [other_arn, elsewhere]


def test_trust_policy_size_quota(iam: Any, unique: Callable[[str], str]) -> None:
    principals = [f"arn:aws:iam::{100000000000 + i}:root" for i in range(60)]
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=unique("big"), AssumeRolePolicyDocument=big)
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for ACLSizePerRole: 2048",
    )


def test_list_roles_with_path_prefix_and_pagination(iam: Any, unique: Callable[[str], str]) -> None:
    prefix = f"/{unique('p')}/"
    names = sorted(unique("r") for _ in range(5))
    for name in names:
        iam.create_role(RoleName=name, Path=prefix, AssumeRolePolicyDocument=TRUST_TEXT)
    listed = iam.list_roles(PathPrefix=prefix)
    assert [r["RoleName"] for r in listed["Roles"]] == names
    assert listed["IsTruncated"] is False and "Marker" not in listed
    assert "Tags" not in listed["Roles"][0] and "RoleLastUsed" not in listed["Roles"][0]
    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"PathPrefix": prefix, "MaxItems": 1}
        if marker:
            kwargs["Marker"] = marker
        page = iam.list_roles(**kwargs)
        pages += 1
        seen += [r["RoleName"] for r in page["Roles"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert seen == names and pages == 5
    # An exact multiple: the last full page says it is the last.
    first = iam.list_roles(PathPrefix=prefix, MaxItems=5)
    assert len(first["Roles"]) == 5 and first["IsTruncated"] is False
    # The paginator follows markers the same way.
    paginated = [
        r["RoleName"]
        for p in iam.get_paginator("list_roles").paginate(
            PathPrefix=prefix, PaginationConfig={"PageSize": 2}
        )
        for r in p["Roles"]
    ]
    assert paginated == names


def test_updates(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("upd")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
    iam.update_role(RoleName=name, Description="new", MaxSessionDuration=43200)
    role = iam.get_role(RoleName=name)["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("new", 43200)
    described = iam.update_role_description(RoleName=name, Description="newer")["Role"]
    assert described["Description"] == "newer"
    trust = {
        **TRUST,
        "Statement": [
            {**TRUST["Statement"][0], "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
        ],
    }
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == trust
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument="[]")
    assert error_of(excinfo)[:2] == ("MalformedPolicyDocument", 400)


def test_tags(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("tags")
    iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT, Tags=[{"Key": "Env", "Value": "dev"}]
    )
    iam.tag_role(
        RoleName=name, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "Owner", "Value": "me"}]
    )
    assert iam.list_role_tags(RoleName=name)["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "Owner", "Value": "me"},
    ]
    iam.untag_role(RoleName=name, TagKeys=["OWNER", "absent"])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "env", "Value": "prod"}]
    with pytest.raises(ClientError) as excinfo:
        iam.tag_role(RoleName=name, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    iam.tag_role(RoleName=name, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    with pytest.raises(ClientError) as excinfo:
        iam.tag_role(RoleName=name, Tags=[{"Key": "one-too-many", "Value": "v"}])
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        "The number of tags has reached the maximum limit.",
    )
    page = iam.list_role_tags(RoleName=name, MaxItems=20)
    assert len(page["Tags"]) == 20 and page["IsTruncated"] is True
    rest = iam.list_role_tags(RoleName=name, Marker=page["Marker"], MaxItems=40)
    assert len(rest["Tags"]) == 30 and rest["IsTruncated"] is False


def test_inline_policies_and_delete_ordering(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("inline")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
    iam.put_role_policy(RoleName=name, PolicyName="list", PolicyDocument=ALLOW_LIST)
    iam.put_role_policy(RoleName=name, PolicyName="again", PolicyDocument=ALLOW_LIST)
    got = iam.get_role_policy(RoleName=name, PolicyName="list")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == (
        name,
        "list",
        json.loads(ALLOW_LIST),
    )
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["again", "list"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_role(RoleName=name)
    assert error_of(excinfo) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete policies first.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.get_role_policy(RoleName=name, PolicyName="nope")
    assert error_of(excinfo) == (
        "NoSuchEntity",
        404,
        "The role policy with name nope cannot be found.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="with-principal",
            PolicyDocument=json.dumps({**TRUST}),
        )
    assert error_of(excinfo)[:2] == ("MalformedPolicyDocument", 400)
    iam.delete_role_policy(RoleName=name, PolicyName="list")
    iam.delete_role_policy(RoleName=name, PolicyName="again")
    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_inline_policy_total_size_quota(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("quota")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
    actions = [f"iam:Get{'X' * 40}{i}" for i in range(80)]  # about 4,000 characters a policy
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
    )
    iam.put_role_policy(RoleName=name, PolicyName="a", PolicyDocument=document)
    iam.put_role_policy(RoleName=name, PolicyName="b", PolicyDocument=document)
    iam.put_role_policy(
        RoleName=name, PolicyName="a", PolicyDocument=document
    )  # replacing is no growth
    with pytest.raises(ClientError) as excinfo:
        iam.put_role_policy(RoleName=name, PolicyName="c", PolicyDocument=document)
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        f"Maximum policy size of 10240 bytes exceeded for role {name}",
    )
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["a", "b"]


def test_get_caller_identity_for_root(sts: Any) -> None:
    identity = sts.get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:root"
    assert identity["UserId"] == "123456789012"


def test_inline_policy_names_are_unique_without_regard_to_case(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("case")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
    iam.put_role_policy(RoleName=name, PolicyName="MyPolicy", PolicyDocument=ALLOW_LIST)
    iam.put_role_policy(RoleName=name, PolicyName="MYPOLICY", PolicyDocument=ALLOW_LIST)
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["MyPolicy"]
    assert iam.get_role_policy(RoleName=name, PolicyName="mypolicy")["PolicyName"] == "MyPolicy"


def test_concurrent_creates_of_one_name_have_exactly_one_winner(
    node: Node, unique: Callable[[str], str]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients = [node.client("iam") for _ in range(4)]
    for _ in range(3):
        name = unique("race")

        def create(client: Any, name: str = name) -> str:
            try:
                client.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)
                return "created"
            except ClientError as error:
                return str(error.response["Error"]["Code"])

        with ThreadPoolExecutor(len(clients)) as pool:
            outcomes = sorted(pool.map(create, clients))
        assert outcomes == ["EntityAlreadyExists"] * (len(clients) - 1) + ["created"]


def test_list_roles_shows_each_change_on_the_next_call(
    iam: Any, unique: Callable[[str], str]
) -> None:
    """A listing page and each role's XML are kept while nothing changes (read cache,
    ``wire.Memoized``): every change to what ListRoles shows is on the next page."""
    prefix = f"/{unique('p')}/"
    name = unique("r")
    iam.create_role(RoleName=name, Path=prefix, AssumeRolePolicyDocument=TRUST_TEXT)

    def listed() -> dict[str, Any]:
        roles = iam.list_roles(PathPrefix=prefix)["Roles"]
        assert [r["RoleName"] for r in roles] == [name]
        return dict(roles[0])

    first = listed()
    assert listed() == first and "Description" not in first
    iam.update_role_description(RoleName=name, Description="now described")
    assert listed()["Description"] == "now described"
    iam.update_role(RoleName=name, MaxSessionDuration=7200)
    assert listed()["MaxSessionDuration"] == 7200
    trust = json.loads(TRUST_TEXT)
    trust["Statement"][0]["Sid"] = "Changed"
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    assert listed()["AssumeRolePolicyDocument"]["Statement"][0]["Sid"] == "Changed"
    other = unique("r")
    iam.create_role(RoleName=other, Path=prefix, AssumeRolePolicyDocument=TRUST_TEXT)
    assert sorted(r["RoleName"] for r in iam.list_roles(PathPrefix=prefix)["Roles"]) == sorted(
        [name, other]
    )
    iam.delete_role(RoleName=other)
    assert listed()["RoleName"] == name
