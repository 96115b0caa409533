"""An IAM user's life with the AWS CLI: created by the root user, given a policy and a key,
then signing its own calls with that key; removal refused until its key is gone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from harness import ACCOUNT_ID, Server

SELF_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:GetUser",
            "Resource": "arn:aws:iam::*:user/cli/${aws:username}",
        }
    ],
}


def test_aws_cli_user_lifecycle(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    name = unique("cli-user")
    (tmp_path / "policy.json").write_text(json.dumps(SELF_READ))
    created = server.aws_json("iam", "create-user", "--user-name", name, "--path", "/cli/")
    assert created["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/cli/{name}"
    server.aws_json(
        "iam",
        "put-user-policy",
        "--user-name",
        name,
        "--policy-name",
        "self",
        "--policy-document",
        "file://policy.json",
        cwd=tmp_path,
    )
    key = server.aws_json("iam", "create-access-key", "--user-name", name)["AccessKey"]
    as_user = {"key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    identity = server.aws_json("sts", "get-caller-identity", **as_user)
    assert identity == {
        "UserId": created["User"]["UserId"],
        "Account": ACCOUNT_ID,
        "Arn": created["User"]["Arn"],
    }
    assert server.aws_json("iam", "get-user", **as_user)["User"]["UserName"] == name
    denied = server.aws("iam", "list-users", **as_user)
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr and "iam:ListUsers" in denied.stderr
    conflict = server.aws("iam", "delete-user", "--user-name", name)
    assert "DeleteConflict" in conflict.stderr
    assert "must delete access keys first" in conflict.stderr
