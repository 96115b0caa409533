"""Principals for the STS end-to-end tests: IAM users with keys, second accounts, roles, and
their deletion."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from harness import Node


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal: Any, action: str | list[str] = "sts:AssumeRole", **extra: Any) -> str:
    return document({"Effect": "Allow", "Principal": principal, "Action": action, **extra})


@dataclass
class Account:
    """An account of the test server, reached through its root user's keys."""

    server: Node
    account_id: str
    root_key_id: str
    root_secret: str

    def client(self, service: str = "iam") -> Any:
        return self.server.client(service, self.root_key_id, self.root_secret)

    def user(self, *policies: str, name: str | None = None) -> User:
        """A new IAM user with an access key and the given inline policies."""
        iam = self.client()
        name = name or f"user-{uuid.uuid4().hex[:10]}"
        user = iam.create_user(UserName=name)["User"]
        for index, policy in enumerate(policies):
            iam.put_user_policy(UserName=name, PolicyName=f"p{index}", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return User(
            self.server,
            name,
            user["Arn"],
            user["UserId"],
            key["AccessKeyId"],
            key["SecretAccessKey"],
        )

    def role(self, trust_policy: str, *policies: str, **kw: Any) -> dict[str, Any]:
        iam = self.client()
        name = kw.pop("name", None) or f"role-{uuid.uuid4().hex[:10]}"
        role: dict[str, Any] = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=trust_policy, **kw
        )["Role"]
        for index, policy in enumerate(policies):
            iam.put_role_policy(RoleName=name, PolicyName=f"p{index}", PolicyDocument=policy)
        return role


@dataclass
class User:
    server: Node
    name: str
    arn: str
    user_id: str
    key_id: str
    secret: str

    def client(self, service: str = "sts") -> Any:
        return self.server.client(service, self.key_id, self.secret)


def temporary_client(server: Node, credentials: dict[str, Any], service: str = "iam") -> Any:
    """A client signing with the ``Credentials`` of an STS answer."""
    return server.client(
        service,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def new_account(server: Node) -> Account:
    done = server.admin("account", "create")
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    return Account(server, created["AccountId"], created["AccessKeyId"], created["SecretAccessKey"])


def delete_user(home: Account, user: User) -> None:
    """DeleteUser after what it refuses to delete users with (keys, policies, MFA devices)."""
    iam = home.client()
    for device in iam.list_mfa_devices(UserName=user.name)["MFADevices"]:
        iam.deactivate_mfa_device(UserName=user.name, SerialNumber=device["SerialNumber"])
        iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    iam.delete_access_key(UserName=user.name, AccessKeyId=user.key_id)
    for name in iam.list_user_policies(UserName=user.name)["PolicyNames"]:
        iam.delete_user_policy(UserName=user.name, PolicyName=name)
    iam.delete_user(UserName=user.name)


def delete_role(home: Account, role: dict[str, Any]) -> None:
    iam = home.client()
    for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
        iam.delete_role_policy(RoleName=role["RoleName"], PolicyName=name)
    iam.delete_role(RoleName=role["RoleName"])


def recreated_user(home: Account, user: User, *policies: str) -> User:
    """A new user under the deleted ``user``'s name (so its ARN), with a unique id of its own."""
    again = home.user(*policies, name=user.name)
    assert again.arn == user.arn and again.user_id != user.user_id
    return again
