"""The enforcement matrix for groups: each operation is allowed by exactly its action on the
group (or user) it names, and denied, with AWS's message, outside that scope or without it.
The cases run as in ``test_enforcement_more`` (``run_case``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from test_enforcement_more import ALLOWED, Case, Names, arn, run_case

from rolegate.server.operations import operation_table

from harness import ACCOUNT_ID, Node

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def _group(root: Any, n: Names) -> None:
    root.create_group(GroupName=n.name, Path=ALLOWED)


def _group_and_user(root: Any, n: Names) -> None:
    _group(root, n)
    root.create_user(UserName=n.name, Path=ALLOWED)


def _member(root: Any, n: Names) -> None:
    _group_and_user(root, n)
    root.add_user_to_group(GroupName=n.name, UserName=n.name)


def _group_with_policy(root: Any, n: Names) -> None:
    _group(root, n)
    root.put_group_policy(GroupName=n.name, PolicyName="p", PolicyDocument=POLICY)


def _group_with_attached(root: Any, n: Names) -> None:
    _group(root, n)
    root.attach_group_policy(GroupName=n.name, PolicyArn=READ_ONLY)


def _on_group(action: str, setup: Callable[[Any, Names], Any], call: str, **params: Any) -> Case:
    """A case whose call names a group: allowed on the group under /allowed/, denied on a group
    outside it (which need not exist: IAM authorizes before it looks)."""

    def named(name: str) -> Callable[[Any, Names], Any]:
        def invoke(client: Any, n: Names) -> Any:
            extra = {k: (v(n) if callable(v) else v) for k, v in params.items()}
            return getattr(client, call)(GroupName=getattr(n, name), **extra)

        return invoke

    return Case(
        action,
        setup,
        named("name"),
        lambda n: arn("group", n.name, ALLOWED),
        named("other"),
        lambda n: arn("group", n.other),
    )


GROUP_CASES: dict[str, Case] = {
    "CreateGroup": Case(
        "iam:CreateGroup",
        lambda root, n: None,
        lambda c, n: c.create_group(GroupName=n.name, Path=ALLOWED),
        lambda n: arn("group", n.name, ALLOWED),
        lambda c, n: c.create_group(GroupName=n.other),
        lambda n: arn("group", n.other),
    ),
    "GetGroup": _on_group("iam:GetGroup", _group, "get_group"),
    "ListGroups": Case(
        "iam:ListGroups",
        lambda root, n: None,
        lambda c, n: c.list_groups(PathPrefix=ALLOWED),
        lambda n: f"arn:aws:iam::{ACCOUNT_ID}:group/allowed/",
        scope=(f"arn:aws:iam::{ACCOUNT_ID}:group/allowed/",),
    ),
    "UpdateGroup": _on_group(
        "iam:UpdateGroup", _group, "update_group", NewGroupName=lambda n: f"{n.name}-2"
    ),
    "DeleteGroup": _on_group("iam:DeleteGroup", _group, "delete_group"),
    "AddUserToGroup": _on_group(
        "iam:AddUserToGroup", _group_and_user, "add_user_to_group", UserName=lambda n: n.name
    ),
    "RemoveUserFromGroup": _on_group(
        "iam:RemoveUserFromGroup", _member, "remove_user_from_group", UserName=lambda n: n.name
    ),
    "ListGroupsForUser": Case(
        "iam:ListGroupsForUser",
        _member,
        lambda c, n: c.list_groups_for_user(UserName=n.name),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.list_groups_for_user(UserName=n.other),
        lambda n: arn("user", n.other),
    ),
    "PutGroupPolicy": _on_group(
        "iam:PutGroupPolicy", _group, "put_group_policy", PolicyName="p", PolicyDocument=POLICY
    ),
    "GetGroupPolicy": _on_group(
        "iam:GetGroupPolicy", _group_with_policy, "get_group_policy", PolicyName="p"
    ),
    "ListGroupPolicies": _on_group("iam:ListGroupPolicies", _group, "list_group_policies"),
    "DeleteGroupPolicy": _on_group(
        "iam:DeleteGroupPolicy", _group_with_policy, "delete_group_policy", PolicyName="p"
    ),
    "AttachGroupPolicy": _on_group(
        "iam:AttachGroupPolicy", _group, "attach_group_policy", PolicyArn=READ_ONLY
    ),
    "DetachGroupPolicy": _on_group(
        "iam:DetachGroupPolicy", _group_with_attached, "detach_group_policy", PolicyArn=READ_ONLY
    ),
    "ListAttachedGroupPolicies": _on_group(
        "iam:ListAttachedGroupPolicies", _group, "list_attached_group_policies"
    ),
}


@pytest.mark.parametrize("operation", sorted(GROUP_CASES))
def test_allowed_and_denied(operation: str, node: Node) -> None:
    # an operation of the matrix that the server no longer answers fails, never skips
    assert ("iam", operation) in operation_table(), f"{operation} is not in operation_table()"
    run_case(GROUP_CASES[operation], node)
