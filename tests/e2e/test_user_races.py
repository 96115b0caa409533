"""Concurrent requests on one user: the quotas hold and nothing is left orphaned, on SQLite and
PostgreSQL (where the user's row lock, not luck, serialises the checks)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from harness import Node


def _race(calls: list[Callable[[], Any]]) -> list[str]:
    """Run ``calls`` at the same instant; each outcome is "ok" or the AWS error code."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            calls[i]()
            outcomes[i] = "ok"
        except ClientError as error:
            outcomes[i] = error.response["Error"]["Code"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_concurrent_create_access_key_never_passes_two(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("racer")
    iam.create_user(UserName=name)
    clients = [node.client("iam") for _ in range(4)]
    outcomes = _race([partial(c.create_access_key, UserName=name) for c in clients])
    assert sorted(outcomes) == ["LimitExceeded", "LimitExceeded", "ok", "ok"]
    assert len(iam.list_access_keys(UserName=name)["AccessKeyMetadata"]) == 2


def test_concurrent_put_user_policy_never_passes_the_size_quota(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name = unique("sized")
    iam.create_user(UserName=name)
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": "S" * 1100}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    clients = [node.client("iam") for _ in range(3)]
    outcomes = _race(
        [
            partial(c.put_user_policy, UserName=name, PolicyName=f"p{i}", PolicyDocument=document)
            for i, c in enumerate(clients)
        ]
    )
    assert sorted(outcomes) == ["LimitExceeded", "LimitExceeded", "ok"]
    assert len(iam.list_user_policies(UserName=name)["PolicyNames"]) == 1


def test_delete_user_racing_create_access_key_leaves_no_orphan_key(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    for _ in range(3):
        name = unique("doomed")
        iam.create_user(UserName=name)
        deleter, creator = node.client("iam"), node.client("iam")
        outcomes = _race(
            [
                partial(deleter.delete_user, UserName=name),
                partial(creator.create_access_key, UserName=name),
            ]
        )
        # whichever goes first, the other sees its result
        assert outcomes in (["ok", "NoSuchEntity"], ["DeleteConflict", "ok"])
        if outcomes[0] == "ok":
            try:
                iam.get_user(UserName=name)
                raise AssertionError("the user survived its deletion")
            except ClientError as error:
                assert error.response["Error"]["Code"] == "NoSuchEntity"
        else:
            assert len(iam.list_access_keys(UserName=name)["AccessKeyMetadata"]) == 1
