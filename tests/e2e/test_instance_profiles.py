"""Instance profiles end to end with boto3 (and the AWS CLI) on SQLite and PostgreSQL.

Each bad input names the answer AWS gives: code, HTTP status and message.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_roles import TRUST, TRUST_TEXT, error_of

from harness import Node, Server

ACCOUNT = "123456789012"
ROUNDS = 8


def make_role(iam: Any, name: str, path: str = "/") -> dict[str, Any]:
    role: dict[str, Any] = iam.create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST_TEXT
    )["Role"]
    return role


def test_create_and_get_return_the_aws_shape(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("web")
    before = datetime.now(UTC) - timedelta(seconds=2)
    created = iam.create_instance_profile(
        InstanceProfileName=name, Path="/fleet/", Tags=[{"Key": "Team", "Value": "core"}]
    )["InstanceProfile"]
    assert created["InstanceProfileName"] == name
    assert created["Path"] == "/fleet/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/fleet/{name}"
    assert created["InstanceProfileId"].startswith("AIPA")
    assert len(created["InstanceProfileId"]) == 21
    assert before <= created["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    assert created["Roles"] == []
    assert created["Tags"] == [{"Key": "Team", "Value": "core"}]

    got = iam.get_instance_profile(InstanceProfileName=name.upper())["InstanceProfile"]
    assert got["InstanceProfileId"] == created["InstanceProfileId"]
    assert got["InstanceProfileName"] == name  # found without regard to case, spelled as created
    assert got["Tags"] == [{"Key": "Team", "Value": "core"}]


def test_default_path_and_no_tags(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("plain")
    created = iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    assert created["Path"] == "/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/{name}"
    assert "Tags" not in created
    # GetInstanceProfile answers an empty Tags list (AWS's recorded answer).
    assert iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Tags"] == []


def test_duplicate_names_without_regard_to_case(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("dup")
    iam.create_instance_profile(InstanceProfileName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.create_instance_profile(InstanceProfileName=name.upper())
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        409,
        f"Instance Profile {name.upper()} already exists.",
    )


def test_unknown_profile_is_no_such_entity(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("ghost")
    role = unique("role")
    make_role(iam, role)
    calls = [
        lambda: iam.get_instance_profile(InstanceProfileName=name),
        lambda: iam.delete_instance_profile(InstanceProfileName=name),
        lambda: iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role),
        lambda: iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role),
        lambda: iam.tag_instance_profile(
            InstanceProfileName=name, Tags=[{"Key": "k", "Value": "v"}]
        ),
        lambda: iam.untag_instance_profile(InstanceProfileName=name, TagKeys=["k"]),
        lambda: iam.list_instance_profile_tags(InstanceProfileName=name),
    ]
    call: Callable[[], Any]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            404,
            f"Instance Profile {name} cannot be found.",
        )


def test_invalid_name_is_a_validation_error(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_instance_profile(InstanceProfileName="bad/name")
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert "instanceProfileName" in message


def test_one_role_per_profile(iam: Any, unique: Callable[[str], str]) -> None:
    profile, first, second = unique("ip"), unique("first"), unique("second")
    first_role = make_role(iam, first, "/app/")
    make_role(iam, second)
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=first.upper())

    roles = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]
    assert len(roles) == 1
    shown = roles[0]
    assert shown["RoleName"] == first
    assert shown["RoleId"] == first_role["RoleId"]
    assert shown["Arn"] == first_role["Arn"]
    assert shown["Path"] == "/app/"
    assert shown["AssumeRolePolicyDocument"] == TRUST  # URL-encoded on the wire
    assert shown["CreateDate"] == first_role["CreateDate"]

    for role in (second, first):  # another role, and the same role again
        with pytest.raises(ClientError) as excinfo:
            iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
        assert error_of(excinfo) == (
            "LimitExceeded",
            409,
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
        )

    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=first)
    assert iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"] == []
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=second)


def test_unknown_role_and_role_not_in_profile(iam: Any, unique: Callable[[str], str]) -> None:
    profile, role, ghost = unique("ip"), unique("role"), unique("ghost")
    iam.create_instance_profile(InstanceProfileName=profile)
    make_role(iam, role)
    call: Callable[[], Any]
    for call in (
        lambda: iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=ghost),
        lambda: iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=ghost),
        lambda: iam.list_instance_profiles_for_role(RoleName=ghost),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            404,
            f"The role with name {ghost} cannot be found.",
        )
    with pytest.raises(ClientError) as excinfo:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        404,
        f"Role {role} in Instance Profile {profile} cannot be found.",
    )


def test_deletion_ordering(iam: Any, unique: Callable[[str], str]) -> None:
    """A profile with a role cannot be deleted, nor can the role: remove the role first."""
    profile, role = unique("ip"), unique("role")
    make_role(iam, role)
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)

    with pytest.raises(ClientError) as excinfo:
        iam.delete_instance_profile(InstanceProfileName=profile)
    assert error_of(excinfo) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must remove roles from instance profile first.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.delete_role(RoleName=role)
    assert error_of(excinfo) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must remove roles from instance profile first.",
    )

    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
    iam.delete_role(RoleName=role)
    iam.delete_instance_profile(InstanceProfileName=profile)
    with pytest.raises(ClientError) as excinfo:
        iam.get_instance_profile(InstanceProfileName=profile)
    assert error_of(excinfo)[0] == "NoSuchEntity"
    # The name is free again.
    again = iam.create_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    assert again["Roles"] == [] and "Tags" not in again


def test_list_with_path_prefix_and_pagination(iam: Any, unique: Callable[[str], str]) -> None:
    prefix = f"/{unique('p')}/"
    names = sorted((unique(f"ip{i}") for i in range(4)), key=str.lower)
    for i, name in enumerate(names):
        iam.create_instance_profile(
            InstanceProfileName=name,
            Path=prefix if i % 2 == 0 else f"{prefix}sub/",
            Tags=[{"Key": "k", "Value": "v"}],
        )
    listed = iam.list_instance_profiles(PathPrefix=prefix)
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == names
    assert listed["IsTruncated"] is False and "Marker" not in listed
    assert all("Tags" not in p for p in listed["InstanceProfiles"])  # listings leave tags out

    sub = iam.list_instance_profiles(PathPrefix=f"{prefix}sub/")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in sub] == names[1::2]

    # MaxItems 1 walks every item; MaxItems 2 divides 4 exactly: no empty last page.
    for size in (1, 2, 3):
        seen: list[str] = []
        kwargs: dict[str, Any] = {"PathPrefix": prefix, "MaxItems": size}
        pages = 0
        while True:
            page = iam.list_instance_profiles(**kwargs)
            pages += 1
            seen += [p["InstanceProfileName"] for p in page["InstanceProfiles"]]
            assert len(page["InstanceProfiles"]) <= size
            if not page["IsTruncated"]:
                assert "Marker" not in page
                break
            kwargs["Marker"] = page["Marker"]
        assert seen == names
        assert pages == -(-len(names) // size)

    with pytest.raises(ClientError) as excinfo:
        iam.list_instance_profiles(Marker="not-a-marker")
    assert error_of(excinfo)[:2] == ("ValidationError", 400)


def test_list_instance_profiles_for_role(iam: Any, unique: Callable[[str], str]) -> None:
    role, other = unique("role"), unique("other")
    make_role(iam, role)
    make_role(iam, other)
    profiles = sorted((unique(f"ip{i}") for i in range(3)), key=str.lower)
    for name in profiles:
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)
    assert iam.list_instance_profiles_for_role(RoleName=other)["InstanceProfiles"] == []

    first = iam.list_instance_profiles_for_role(RoleName=role, MaxItems=2)
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == profiles[:2]
    assert first["IsTruncated"] is True
    assert first["InstanceProfiles"][0]["Roles"][0]["RoleName"] == role
    rest = iam.list_instance_profiles_for_role(RoleName=role, Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == profiles[2:]
    assert rest["IsTruncated"] is False


def test_tags(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("tagged")
    iam.create_instance_profile(InstanceProfileName=name, Tags=[{"Key": "Env", "Value": "dev"}])
    iam.tag_instance_profile(
        InstanceProfileName=name,
        Tags=[{"Key": "env", "Value": "prod"}, {"Key": "Team", "Value": "core"}],
    )
    tags = iam.list_instance_profile_tags(InstanceProfileName=name)
    assert tags["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "Team", "Value": "core"}]
    assert tags["IsTruncated"] is False

    page = iam.list_instance_profile_tags(InstanceProfileName=name, MaxItems=1)
    assert page["Tags"] == [{"Key": "env", "Value": "prod"}] and page["IsTruncated"] is True
    rest = iam.list_instance_profile_tags(InstanceProfileName=name, Marker=page["Marker"])
    assert rest["Tags"] == [{"Key": "Team", "Value": "core"}] and rest["IsTruncated"] is False

    iam.untag_instance_profile(InstanceProfileName=name, TagKeys=["ENV", "missing"])
    got = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    assert got["Tags"] == [{"Key": "Team", "Value": "core"}]

    with pytest.raises(ClientError) as excinfo:
        iam.tag_instance_profile(
            InstanceProfileName=name,
            Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)],
        )
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        "The number of tags has reached the maximum limit.",
    )
    with pytest.raises(ClientError) as excinfo:
        iam.tag_instance_profile(
            InstanceProfileName=name,
            Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}],
        )
    assert error_of(excinfo) == (
        "InvalidInput",
        400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )


def test_concurrent_adds_put_exactly_one_role_in_the_profile(
    node: Node, unique: Callable[[str], str]
) -> None:
    iam = node.client("iam")
    profile = unique("race")
    iam.create_instance_profile(InstanceProfileName=profile)
    roles = [unique(f"r{i}") for i in range(4)]
    for role in roles:
        make_role(iam, role)
    clients = [node.client("iam") for _ in roles]

    def add(pair: tuple[Any, str]) -> str:
        client, role = pair
        try:
            client.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
            return "added"
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(len(clients)) as pool:
        outcomes = sorted(pool.map(add, zip(clients, roles, strict=True)))
    assert outcomes == ["LimitExceeded"] * (len(roles) - 1) + ["added"]
    held = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]
    assert len(held) == 1


def test_aws_cli(server: Server, unique: Callable[[str], str]) -> None:
    profile, role = unique("cli"), unique("clirole")
    make_role(server.client("iam"), role)
    created = server.aws_json("iam", "create-instance-profile", "--instance-profile-name", profile)
    assert created["InstanceProfile"]["InstanceProfileId"].startswith("AIPA")
    server.aws_json(
        "iam",
        "add-role-to-instance-profile",
        "--instance-profile-name",
        profile,
        "--role-name",
        role,
    )
    listed = server.aws_json("iam", "list-instance-profiles-for-role", "--role-name", role)
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == [profile]
    refused = server.aws("iam", "delete-instance-profile", "--instance-profile-name", profile)
    assert refused.returncode != 0
    assert "DeleteConflict" in refused.stderr
    assert "must remove roles from instance profile first" in refused.stderr


def test_delete_role_racing_add_role_never_breaks(node: Node, unique: Callable[[str], str]) -> None:
    """Either the role is deleted and the add finds no role, or the add wins and the delete is
    refused - never a server error, never a profile pointing at a deleted role."""
    adder, deleter = node.client("iam"), node.client("iam")
    for _ in range(ROUNDS):
        profile, role = unique("rp"), unique("rr")
        adder.create_instance_profile(InstanceProfileName=profile)
        make_role(adder, role)

        def add(profile: str = profile, role: str = role) -> str:
            try:
                adder.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
                return "added"
            except ClientError as error:
                return str(error.response["Error"]["Code"])

        def delete(role: str = role) -> str:
            try:
                deleter.delete_role(RoleName=role)
                return "deleted"
            except ClientError as error:
                return str(error.response["Error"]["Code"])

        with ThreadPoolExecutor(2) as pool:
            outcome = tuple(f.result() for f in [pool.submit(add), pool.submit(delete)])
        assert outcome in {("added", "DeleteConflict"), ("NoSuchEntity", "deleted")}, outcome
        held = adder.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
        assert len(held["Roles"]) == (1 if outcome[0] == "added" else 0)
