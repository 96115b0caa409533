"""IAM groups end to end with boto3 on SQLite and PostgreSQL: each operation's shape, each
documented error with its message, pagination at its boundaries, case-insensitive names and
deletion ordering. Each bad input names the answer AWS gives (code, HTTP status, message)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from policy_helpers import ACCOUNT, doc, fails, make_policy

from harness import Server


def group_arn(path: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:group{path}{name}"


def no_group(name: str) -> tuple[str, int, str]:
    return ("NoSuchEntity", 404, f"The group with name {name} cannot be found.")


def no_user(name: str) -> tuple[str, int, str]:
    return ("NoSuchEntity", 404, f"The user with name {name} cannot be found.")


def conflict(message: str) -> tuple[str, int, str]:
    return ("DeleteConflict", 409, f"Cannot delete entity, must {message} first.")


def pages(call: Any, element: str, max_items: int, **kw: Any) -> list[list[str]]:
    """Every page of a listing as the names on it; checks IsTruncated against the Marker."""
    found, marker = [], None
    while True:
        page = call(MaxItems=max_items, **kw, **({"Marker": marker} if marker else {}))
        key = "UserName" if element == "Users" else "GroupName"
        found.append([item[key] for item in page[element]])
        assert page["IsTruncated"] == ("Marker" in page)
        if not page["IsTruncated"]:
            return found
        marker = page["Marker"]


def test_create_and_get_return_the_aws_shape(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("Admins")
    before = datetime.now(UTC) - timedelta(seconds=2)
    created = iam.create_group(GroupName=name, Path="/ops/")["Group"]
    assert created["GroupName"] == name
    assert created["Path"] == "/ops/"
    assert created["Arn"] == group_arn("/ops/", name)
    assert created["GroupId"].startswith("AGPA") and len(created["GroupId"]) == 21
    assert before <= created["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    assert set(created) == {"Path", "GroupName", "GroupId", "Arn", "CreateDate"}

    got = iam.get_group(GroupName=name.upper())  # found without regard to case
    assert got["Group"] == created
    assert got["Users"] == [] and got["IsTruncated"] is False and "Marker" not in got

    plain = unique("plain")
    assert iam.create_group(GroupName=plain)["Group"]["Arn"] == group_arn("/", plain)


def test_duplicate_names_without_regard_to_case(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("dup")
    iam.create_group(GroupName=name)
    assert fails(iam.create_group, GroupName=name.upper(), Path="/other/") == (
        "EntityAlreadyExists",
        409,
        f"Group with name {name.upper()} already exists.",
    )


def test_invalid_input_gets_the_validation_message(iam: Any, unique: Callable[[str], str]) -> None:
    assert fails(iam.create_group, GroupName="bad name!") == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'groupName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    )
    assert fails(iam.create_group, GroupName=unique("g"), Path="no-slashes") == (
        "ValidationError",
        400,
        "The specified value for path is invalid. It must begin and end with / and contain only "
        "alphanumeric characters and/or / characters.",
    )
    code, status, message = fails(iam.get_group, GroupName="g" * 129)
    assert (code, status) == ("ValidationError", 400)
    assert "Member must have length less than or equal to 128" in message


def test_unknown_group_is_no_such_entity_everywhere(iam: Any, unique: Callable[[str], str]) -> None:
    ghost, user = unique("ghost"), unique("user")
    iam.create_user(UserName=user)
    arn = make_policy(iam, unique("pol"))["Arn"]
    calls: list[tuple[Any, dict[str, Any]]] = [
        (iam.get_group, {}),
        (iam.update_group, {"NewGroupName": unique("new")}),
        (iam.delete_group, {}),
        (iam.add_user_to_group, {"UserName": user}),
        (iam.remove_user_from_group, {"UserName": user}),
        (iam.put_group_policy, {"PolicyName": "p", "PolicyDocument": doc()}),
        (iam.get_group_policy, {"PolicyName": "p"}),
        (iam.list_group_policies, {}),
        (iam.delete_group_policy, {"PolicyName": "p"}),
        (iam.attach_group_policy, {"PolicyArn": arn}),
        (iam.detach_group_policy, {"PolicyArn": arn}),
        (iam.list_attached_group_policies, {}),
    ]
    for call, kw in calls:
        assert fails(call, GroupName=ghost, **kw) == no_group(ghost), call
    # Nothing was created on the way.
    assert fails(iam.get_group, GroupName=ghost) == no_group(ghost)
    assert iam.list_groups_for_user(UserName=user)["Groups"] == []


def test_unknown_users_and_non_members(iam: Any, unique: Callable[[str], str]) -> None:
    group, ghost, outsider = unique("team"), unique("ghost"), unique("outsider")
    iam.create_group(GroupName=group)
    iam.create_user(UserName=outsider)
    assert fails(iam.add_user_to_group, GroupName=group, UserName=ghost) == no_user(ghost)
    assert fails(iam.remove_user_from_group, GroupName=group, UserName=ghost) == no_user(ghost)
    assert fails(iam.list_groups_for_user, UserName=ghost) == no_user(ghost)
    # A user that exists but is not a member (our best reconstruction of AWS's answer).
    assert fails(iam.remove_user_from_group, GroupName=group, UserName=outsider) == no_user(
        outsider
    )
    assert iam.get_group(GroupName=group)["Users"] == []


def test_membership_both_ways_and_adding_twice_is_no_error(
    iam: Any, unique: Callable[[str], str]
) -> None:
    group, user = unique("devs"), unique("dev")
    created = iam.create_group(GroupName=group, Path="/eng/")["Group"]
    made = iam.create_user(UserName=user, Path="/people/")["User"]
    iam.add_user_to_group(GroupName=group.upper(), UserName=user.upper())
    iam.add_user_to_group(GroupName=group, UserName=user)  # already in: no error, no change
    got = iam.get_group(GroupName=group)
    assert got["Users"] == [
        {k: made[k] for k in ("Path", "UserName", "UserId", "Arn", "CreateDate")}
    ]
    assert iam.list_groups_for_user(UserName=user)["Groups"] == [created]
    iam.remove_user_from_group(GroupName=group, UserName=user)
    assert iam.get_group(GroupName=group)["Users"] == []
    left = iam.list_groups_for_user(UserName=user)
    assert (left["Groups"], left["IsTruncated"]) == ([], False)


def test_list_groups_by_path_prefix_and_pages_at_the_boundaries(
    iam: Any, unique: Callable[[str], str]
) -> None:
    prefix = f"/{unique('list')}/"
    names = [unique(n) for n in ("b", "A", "c", "D")]
    for name in names:
        iam.create_group(GroupName=name, Path=f"{prefix}sub/" if name == names[3] else prefix)
    expected = sorted(names, key=str.lower)
    assert pages(iam.list_groups, "Groups", 1, PathPrefix=prefix) == [[n] for n in expected]
    assert pages(iam.list_groups, "Groups", 2, PathPrefix=prefix) == [expected[:2], expected[2:]]
    assert pages(iam.list_groups, "Groups", 4, PathPrefix=prefix) == [expected]  # exact
    assert pages(iam.list_groups, "Groups", 100, PathPrefix=f"{prefix}sub/") == [[names[3]]]
    listed = iam.list_groups(PathPrefix=prefix)["Groups"]
    assert listed[0] == iam.get_group(GroupName=expected[0])["Group"]
    assert iam.list_groups(PathPrefix="/nothing-here/")["Groups"] == []
    assert fails(iam.list_groups, Marker="not-a-marker") == (
        "ValidationError",
        400,
        "Invalid Marker.",
    )


def test_get_group_pages_its_members_by_name(iam: Any, unique: Callable[[str], str]) -> None:
    group = unique("big")
    iam.create_group(GroupName=group)
    users = [unique(n) for n in ("carol", "Alice", "bob")]
    for user in users:
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName=group, UserName=user)
    expected = sorted(users, key=str.lower)

    def get(**kw: Any) -> Any:
        return iam.get_group(GroupName=group, **kw)

    assert pages(get, "Users", 1) == [[u] for u in expected]
    assert pages(get, "Users", 3) == [expected]  # an exact multiple: no empty last page
    first = get(MaxItems=2)
    assert first["Group"]["GroupName"] == group and first["IsTruncated"] is True
    # A ListGroups marker is not GetGroup's.
    other = iam.list_groups(MaxItems=1)
    if other["IsTruncated"]:
        assert fails(get, Marker=other["Marker"]) == ("ValidationError", 400, "Invalid Marker.")


def test_list_groups_for_user_pages_and_the_ten_group_quota(
    iam: Any, unique: Callable[[str], str]
) -> None:
    user = unique("joiner")
    iam.create_user(UserName=user)
    groups = [unique(f"g{i}") for i in range(11)]
    for group in groups:
        iam.create_group(GroupName=group)
    for group in groups[:10]:
        iam.add_user_to_group(GroupName=group, UserName=user)
    assert fails(iam.add_user_to_group, GroupName=groups[10], UserName=user) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for GroupsPerUser: 10",
    )
    iam.add_user_to_group(GroupName=groups[0], UserName=user)  # already in: still no error
    expected = sorted(groups[:10], key=str.lower)

    def listing(**kw: Any) -> Any:
        return iam.list_groups_for_user(UserName=user, **kw)

    assert pages(listing, "Groups", 1) == [[g] for g in expected]
    assert pages(listing, "Groups", 5) == [expected[:5], expected[5:]]
    assert pages(listing, "Groups", 10) == [expected]
    iam.remove_user_from_group(GroupName=groups[0], UserName=user)
    iam.add_user_to_group(GroupName=groups[10], UserName=user)  # room again
    assert iam.get_group(GroupName=groups[10])["Users"][0]["UserName"] == user


def test_update_group_renames_and_moves_keeping_members_and_policies(
    iam: Any, unique: Callable[[str], str]
) -> None:
    old, new, taken, user = unique("old"), unique("New"), unique("taken"), unique("u")
    group_id = iam.create_group(GroupName=old)["Group"]["GroupId"]
    iam.create_group(GroupName=taken)
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=old, UserName=user)
    iam.put_group_policy(GroupName=old, PolicyName="inline", PolicyDocument=doc())
    arn = make_policy(iam, unique("pol"))["Arn"]
    iam.attach_group_policy(GroupName=old, PolicyArn=arn)

    assert fails(iam.update_group, GroupName=old, NewGroupName=taken.upper()) == (
        "EntityAlreadyExists",
        409,
        f"Group with name {taken.upper()} already exists.",
    )
    iam.update_group(GroupName=old, NewGroupName=new, NewPath="/moved/")
    assert fails(iam.get_group, GroupName=old) == no_group(old)
    got = iam.get_group(GroupName=new)
    assert got["Group"]["GroupId"] == group_id
    assert got["Group"]["Arn"] == group_arn("/moved/", new)
    assert got["Group"]["Path"] == "/moved/"
    assert [u["UserName"] for u in got["Users"]] == [user]
    assert iam.list_group_policies(GroupName=new)["PolicyNames"] == ["inline"]
    attached = iam.list_attached_group_policies(GroupName=new)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]
    assert iam.list_groups_for_user(UserName=user)["Groups"][0]["GroupName"] == new

    iam.update_group(GroupName=new, NewGroupName=new.upper())  # only the case changes
    assert iam.get_group(GroupName=new)["Group"]["GroupName"] == new.upper()
    iam.update_group(GroupName=new, NewPath="/back/")  # the path alone
    assert iam.get_group(GroupName=new)["Group"]["Arn"] == group_arn("/back/", new.upper())


def test_delete_group_is_refused_until_members_and_policies_are_gone(
    iam: Any, unique: Callable[[str], str]
) -> None:
    group, user = unique("doomed"), unique("member")
    iam.create_group(GroupName=group)
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.put_group_policy(GroupName=group, PolicyName="inline", PolicyDocument=doc())
    arn = make_policy(iam, unique("pol"))["Arn"]
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)

    assert fails(iam.delete_group, GroupName=group) == conflict("remove users from group")
    iam.remove_user_from_group(GroupName=group, UserName=user)
    assert fails(iam.delete_group, GroupName=group) == conflict("delete policies")
    iam.delete_group_policy(GroupName=group, PolicyName="inline")
    assert fails(iam.delete_group, GroupName=group) == conflict("detach all policies")
    iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    iam.delete_group(GroupName=group.upper())
    assert fails(iam.get_group, GroupName=group) == no_group(group)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    iam.create_group(GroupName=group)  # the name is free again
    assert iam.get_group(GroupName=group)["Users"] == []


def test_delete_user_is_refused_while_it_is_in_a_group(
    iam: Any, unique: Callable[[str], str]
) -> None:
    group, user = unique("holder"), unique("held")
    iam.create_group(GroupName=group)
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)
    assert fails(iam.delete_user, UserName=user) == conflict("remove users from group")
    assert iam.get_user(UserName=user)["User"]["UserName"] == user
    iam.remove_user_from_group(GroupName=group, UserName=user)
    iam.delete_user(UserName=user)
    assert iam.get_group(GroupName=group)["Users"] == []


def test_inline_group_policies(iam: Any, unique: Callable[[str], str]) -> None:
    group = unique("inline")
    iam.create_group(GroupName=group)
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    for name in ("b-read", "A-write", "c-list"):
        iam.put_group_policy(GroupName=group, PolicyName=name, PolicyDocument=json.dumps(document))
    got = iam.get_group_policy(GroupName=group.upper(), PolicyName="a-WRITE")
    assert (got["GroupName"], got["PolicyName"]) == (group, "A-write")
    assert got["PolicyDocument"] == document  # URL-encoded on the wire, decoded by boto3
    first = iam.list_group_policies(GroupName=group, MaxItems=2)
    assert first["PolicyNames"] == ["A-write", "b-read"] and first["IsTruncated"] is True
    rest = iam.list_group_policies(GroupName=group, MaxItems=2, Marker=first["Marker"])
    assert rest["PolicyNames"] == ["c-list"] and rest["IsTruncated"] is False
    exact = iam.list_group_policies(GroupName=group, MaxItems=3)
    assert len(exact["PolicyNames"]) == 3 and exact["IsTruncated"] is False

    iam.delete_group_policy(GroupName=group, PolicyName="B-READ")
    missing = ("NoSuchEntity", 404, "The group policy with name b-read cannot be found.")
    assert fails(iam.get_group_policy, GroupName=group, PolicyName="b-read") == missing
    assert fails(iam.delete_group_policy, GroupName=group, PolicyName="b-read") == missing
    code, status, _ = fails(
        iam.put_group_policy, GroupName=group, PolicyName="bad", PolicyDocument="{not json"
    )
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["A-write", "c-list"]


def test_inline_group_policies_share_5120_characters_without_whitespace(
    iam: Any, unique: Callable[[str], str]
) -> None:
    group = unique("sized")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=_policy_of_size(5000))
    assert fails(
        iam.put_group_policy, GroupName=group, PolicyName="q", PolicyDocument=_policy_of_size(121)
    ) == ("LimitExceeded", 409, f"Maximum policy size of 5120 bytes exceeded for group {group}")
    iam.put_group_policy(GroupName=group, PolicyName="q", PolicyDocument=_policy_of_size(120))
    # Whitespace does not count; replacing a policy does not add to the total.
    spaced = _policy_of_size(120).replace(",", ",    \n")
    iam.put_group_policy(GroupName=group, PolicyName="Q", PolicyDocument=spaced)
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["p", "q"]


def _policy_of_size(size: int) -> str:
    """A valid policy document of exactly ``size`` characters without whitespace."""
    head = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
        '"Resource":"arn:aws:s3:::'
    )
    tail = '"}]}'
    text = head + "x" * (size - len(head) - len(tail)) + tail
    assert len(text) == size
    return text


def test_attached_group_policies(iam: Any, unique: Callable[[str], str]) -> None:
    group = unique("attached")
    iam.create_group(GroupName=group, Path="/att/")
    group_id = iam.get_group(GroupName=group)["Group"]["GroupId"]
    policies = [make_policy(iam, unique(n)) for n in ("b", "A")]
    for policy in policies:
        iam.attach_group_policy(GroupName=group, PolicyArn=policy["Arn"])
    iam.attach_group_policy(GroupName=group, PolicyArn=policies[0]["Arn"])  # twice: no error
    listed = iam.list_attached_group_policies(GroupName=group)
    assert listed["AttachedPolicies"] == [
        {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in reversed(policies)
    ]
    one = iam.list_attached_group_policies(GroupName=group, MaxItems=1)
    assert one["IsTruncated"] is True
    two = iam.list_attached_group_policies(GroupName=group, MaxItems=1, Marker=one["Marker"])
    assert two["AttachedPolicies"][0]["PolicyArn"] == policies[0]["Arn"]
    assert two["IsTruncated"] is False
    assert iam.get_policy(PolicyArn=policies[0]["Arn"])["Policy"]["AttachmentCount"] == 1

    entities = iam.list_entities_for_policy(PolicyArn=policies[0]["Arn"])
    assert entities["PolicyGroups"] == [{"GroupName": group, "GroupId": group_id}]
    assert entities["PolicyRoles"] == [] and entities["PolicyUsers"] == []
    only_groups = iam.list_entities_for_policy(PolicyArn=policies[0]["Arn"], EntityFilter="Group")
    assert only_groups["PolicyGroups"] == [{"GroupName": group, "GroupId": group_id}]
    by_path = iam.list_entities_for_policy(PolicyArn=policies[0]["Arn"], PathPrefix="/other/")
    assert by_path["PolicyGroups"] == []
    assert fails(iam.delete_policy, PolicyArn=policies[0]["Arn"]) == (
        "DeleteConflict",
        409,
        "Cannot delete a policy attached to entities.",
    )

    iam.detach_group_policy(GroupName=group, PolicyArn=policies[0]["Arn"])
    assert fails(iam.detach_group_policy, GroupName=group, PolicyArn=policies[0]["Arn"]) == (
        "NoSuchEntity",
        404,
        f"Policy {policies[0]['Arn']} was not found.",
    )
    ghost = f"arn:aws:iam::{ACCOUNT}:policy/{unique('ghost')}"
    assert fails(iam.attach_group_policy, GroupName=group, PolicyArn=ghost) == (
        "NoSuchEntity",
        404,
        f"Policy {ghost} does not exist or is not attachable.",
    )
    assert iam.list_entities_for_policy(PolicyArn=policies[0]["Arn"])["PolicyGroups"] == []


def test_ten_managed_policies_per_group(iam: Any, unique: Callable[[str], str]) -> None:
    group = unique("full")
    iam.create_group(GroupName=group)
    arns = [make_policy(iam, unique(f"p{i}"))["Arn"] for i in range(11)]
    for arn in arns[:10]:
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    assert fails(iam.attach_group_policy, GroupName=group, PolicyArn=arns[10]) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for PoliciesPerGroup: 10",
    )
    assert len(iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]) == 10


def test_aws_cli_get_group(server: Server, iam: Any, unique: Callable[[str], str]) -> None:
    group, user = unique("cli"), unique("cliuser")
    created = server.aws_json("iam", "create-group", "--group-name", group, "--path", "/cli/")
    assert created["Group"]["Arn"] == group_arn("/cli/", group)
    iam.create_user(UserName=user)
    server.aws_json("iam", "add-user-to-group", "--group-name", group, "--user-name", user)
    got = server.aws_json("iam", "get-group", "--group-name", group)
    assert got["Group"]["GroupId"] == created["Group"]["GroupId"]
    assert [u["UserName"] for u in got["Users"]] == [user]
    missing = server.aws("iam", "get-group", "--group-name", unique("nope"))
    assert missing.returncode != 0
    assert "(NoSuchEntity) when calling the GetGroup operation: The group with name" in (
        missing.stderr
    )
