"""Revoking a role's sessions (id_roles_use_revoke-sessions.md): an inline policy denying
everything to sessions whose aws:TokenIssueTime is before the revocation time takes effect on the
next request, on every node."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from sessions import Credentials, mint_role_session

from harness import ACCOUNT_ID, Node

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ACCOUNT_ID},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
READ_ROLES = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}],
    }
)


def revoke_older_sessions(moment: datetime) -> str:
    """The ``AWSRevokeOlderSessions`` policy the IAM console attaches."""
    issued_before = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": ["*"],
                    "Resource": ["*"],
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
                }
            ],
        }
    )


def make_role(root: Any) -> dict[str, Any]:
    name = f"revocable-{uuid.uuid4().hex[:8]}"
    role: dict[str, Any] = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    root.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=READ_ROLES)
    return role


def get_role_error(node: Node, creds: Credentials, role: dict[str, Any]) -> str | None:
    try:
        creds.client(node).get_role(RoleName=role["RoleName"])
    except ClientError as error:
        return str(error.response["Error"]["Message"])
    return None


def test_revocation_denies_older_sessions_only(node: Node) -> None:
    root = node.client("iam")
    role = make_role(root)
    now = datetime.now(UTC)
    old = mint_role_session(node, role, "old", issued_at=now - timedelta(minutes=5))
    assert get_role_error(node, old, role) is None

    root.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=revoke_older_sessions(now - timedelta(minutes=1)),
    )
    assert get_role_error(node, old, role) == (
        f"User: {old.arn} is not authorized to perform: iam:GetRole on resource: "
        f"{role['Arn']} with an explicit deny in an identity-based policy"
    )
    new = mint_role_session(node, role, "new", issued_at=now)
    assert get_role_error(node, new, role) is None
    # The revocation also stops what the session could otherwise always do but GetCallerIdentity.
    assert old.client(node, "sts").get_caller_identity()["Arn"] == old.arn


def test_revocation_reaches_every_node(two_nodes: tuple[Node, Node]) -> None:
    first, second = two_nodes
    role = make_role(first.client("iam"))
    old = mint_role_session(first, role, issued_at=datetime.now(UTC) - timedelta(minutes=5))
    assert get_role_error(second, old, role) is None  # any node accepts the session
    first.client("iam").put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=revoke_older_sessions(datetime.now(UTC)),
    )
    message = get_role_error(second, old, role)
    assert message is not None and message.endswith(
        "with an explicit deny in an identity-based policy"
    )
