"""Hand-built accounts in GetAccountAuthorizationDetails' shape, for the access graph's tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

A = "111111111111"
B = "222222222222"


def doc(*statements: dict[str, Any]) -> str:
    """A policy's text as IAM returns it (URL-encoded), one statement per line block."""
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    return quote(text)


def allow(action: str, resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal: Any, action: str = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


@dataclass
class Account:
    account_id: str = A
    users: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    oidc: list[str] = field(default_factory=list)
    saml: list[str] = field(default_factory=list)

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:{kind}/{name}"

    def user(
        self,
        name: str,
        *inline: str,
        boundary: str | None = None,
        groups: tuple[str, ...] = (),
        attached: tuple[str, ...] = (),
    ) -> str:
        entry: dict[str, Any] = {
            "UserName": name,
            "UserId": f"AIDA{name.upper():0<17}"[:21],
            "Arn": self.arn("user", name),
            "GroupList": list(groups),
            "AttachedManagedPolicies": [{"PolicyName": a, "PolicyArn": a} for a in attached],
            "UserPolicyList": [
                {"PolicyName": f"p{n}", "PolicyDocument": d} for n, d in enumerate(inline)
            ],
        }
        if boundary is not None:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}
        self.users.append(entry)
        return entry["Arn"]  # type: ignore[no-any-return]

    def role(self, name: str, trust_doc: str, *inline: str) -> str:
        self.roles.append(
            {
                "RoleName": name,
                "RoleId": f"AROA{name.upper():0<17}"[:21],
                "Arn": self.arn("role", name),
                "AssumeRolePolicyDocument": trust_doc,
                "RolePolicyList": [
                    {"PolicyName": f"p{n}", "PolicyDocument": d} for n, d in enumerate(inline)
                ],
                "AttachedManagedPolicies": [],
            }
        )
        return self.arn("role", name)

    def managed(self, name: str, document: str) -> str:
        arn = self.arn("policy", name)
        self.policies.append(
            {
                "PolicyName": name,
                "Arn": arn,
                "PolicyVersionList": [
                    {"Document": document, "VersionId": "v1", "IsDefaultVersion": True}
                ],
            }
        )
        return arn

    def group(self, name: str, *inline: str) -> None:
        self.groups.append(
            {
                "GroupName": name,
                "Arn": self.arn("group", name),
                "GroupPolicyList": [
                    {"PolicyName": f"p{n}", "PolicyDocument": d} for n, d in enumerate(inline)
                ],
                "AttachedManagedPolicies": [],
            }
        )

    def view(self) -> Any:
        from rolegate.graph import AccountView

        return AccountView(
            self.account_id,
            {
                "UserDetailList": self.users,
                "GroupDetailList": self.groups,
                "RoleDetailList": self.roles,
                "Policies": self.policies,
            },
            self.oidc,
            self.saml,
        )
