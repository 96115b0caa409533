"""Concurrent requests on groups: quotas hold and no membership is left pointing at a deleted
user or group, on SQLite and PostgreSQL (where row locks, not luck, serialise the checks)."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from in_process import InProcessNode
from policy_helpers import fails
from test_user_races import _race

from harness import Node

ROUNDS = 6


def test_concurrent_adds_never_put_a_user_in_more_than_ten_groups(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    user = unique("joiner")
    iam.create_user(UserName=user)
    groups = [unique(f"g{i}") for i in range(12)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda g: iam.create_group(GroupName=g), groups))
    for group in groups[:8]:
        iam.add_user_to_group(GroupName=group, UserName=user)
    clients = [node.client("iam") for _ in range(4)]
    outcomes = _race(
        [
            partial(c.add_user_to_group, GroupName=g, UserName=user)
            for c, g in zip(clients, groups[8:], strict=True)
        ]
    )
    assert sorted(outcomes) == ["LimitExceeded", "LimitExceeded", "ok", "ok"]
    assert len(iam.list_groups_for_user(UserName=user)["Groups"]) == 10


def test_delete_group_racing_add_user_to_group(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    """Either the group goes and the add finds no group, or the user gets in and the delete is
    refused: never a member of a deleted group."""
    first, second = node.client("iam"), node.client("iam")
    for _ in range(ROUNDS):
        group, user = unique("racing"), unique("racer")
        iam.create_group(GroupName=group)
        iam.create_user(UserName=user)
        outcomes = _race(
            [
                partial(first.delete_group, GroupName=group),
                partial(second.add_user_to_group, GroupName=group, UserName=user),
            ]
        )
        assert outcomes in (["ok", "NoSuchEntity"], ["DeleteConflict", "ok"])
        if outcomes[0] == "ok":
            assert fails(iam.get_group, GroupName=group)[0] == "NoSuchEntity"
        else:
            assert [u["UserName"] for u in iam.get_group(GroupName=group)["Users"]] == [user]
        groups = iam.list_groups_for_user(UserName=user)["Groups"]
        assert [g["GroupName"] for g in groups] == ([] if outcomes[0] == "ok" else [group])


def test_delete_user_racing_add_user_to_group(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    first, second = node.client("iam"), node.client("iam")
    for _ in range(ROUNDS):
        group, user = unique("keeper"), unique("leaver")
        iam.create_group(GroupName=group)
        iam.create_user(UserName=user)
        outcomes = _race(
            [
                partial(first.delete_user, UserName=user),
                partial(second.add_user_to_group, GroupName=group, UserName=user),
            ]
        )
        assert outcomes in (["ok", "NoSuchEntity"], ["DeleteConflict", "ok"])
        members = [u["UserName"] for u in iam.get_group(GroupName=group)["Users"]]
        assert members == ([] if outcomes[0] == "ok" else [user])


def test_concurrent_put_group_policy_never_passes_the_size_quota(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    group = unique("sized")
    iam.create_group(GroupName=group)
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": "S" * 2000}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    clients = [node.client("iam") for _ in range(3)]
    outcomes = _race(
        [
            partial(
                c.put_group_policy, GroupName=group, PolicyName=f"p{i}", PolicyDocument=document
            )
            for i, c in enumerate(clients)
        ]
    )
    assert sorted(outcomes) == ["LimitExceeded", "ok", "ok"]
    assert len(iam.list_group_policies(GroupName=group)["PolicyNames"]) == 2


def test_an_account_holds_at_most_300_groups(
    start_node: Callable[..., InProcessNode], unique: Callable[[str], str]
) -> None:
    iam = start_node().client("iam")
    names = [f"g{i:03d}" for i in range(300)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: iam.create_group(GroupName=n), names))
    assert fails(iam.create_group, GroupName="one-more") == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for GroupsPerAccount: 300",
    )
    iam.delete_group(GroupName="g000")
    iam.create_group(GroupName="one-more")
    listed = iam.list_groups(MaxItems=1000)
    assert len(listed["Groups"]) == 300 and listed["IsTruncated"] is False


def test_two_renames_to_one_name_exactly_one_wins(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    first, second = node.client("iam"), node.client("iam")
    for _ in range(ROUNDS):
        a, b, target = unique("a"), unique("b"), unique("target")
        iam.create_group(GroupName=a)
        iam.create_group(GroupName=b)
        outcomes = _race(
            [
                partial(first.update_group, GroupName=a, NewGroupName=target),
                partial(second.update_group, GroupName=b, NewGroupName=target.upper()),
            ]
        )
        assert sorted(outcomes) == ["EntityAlreadyExists", "ok"]
        left = a if outcomes[0] != "ok" else b
        assert iam.get_group(GroupName=left)["Group"]["GroupName"] == left
        assert iam.get_group(GroupName=target)["Group"]["GroupName"] in (target, target.upper())
