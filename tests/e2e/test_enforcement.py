"""Enforcement on every call: for each implemented IAM operation, one call a role session's
policy allows and one it does not, with AWS's exact AccessDenied message.

The session's role allows ``iam:*`` only on entities under the path ``/allowed/``; the denied
call names an entity outside it, which AWS judges by the path-less ARN the name would have
(authorization comes before existence).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sessions import Credentials, mint_role_session

from rolegate.server.operations import operation_table

from harness import ACCOUNT_ID, Node

ALLOWED_PATH = "/allowed/"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}],
    }
)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclass
class Names:
    """Fresh names for one case: ``name`` lives under /allowed/ (set up by root), ``other`` is
    a name outside it."""

    name: str
    other: str

    def role_arn(self, name: str | None = None, path: str = "/") -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name or self.other}"

    def user_arn(self, name: str | None = None, path: str = "/") -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:user{path}{name or self.other}"


Call = Callable[[Any, Names], Any]


@dataclass
class Case:
    action: str
    setup: Callable[[Any, Names], Any]  # root creates what the allowed call needs
    allowed: Call
    denied: Call
    resource: Callable[[Names], str]  # the resource the denied call names


def _role(root: Any, n: Names) -> None:
    root.create_role(RoleName=n.name, Path=ALLOWED_PATH, AssumeRolePolicyDocument=TRUST)


def _role_with_policy(root: Any, n: Names) -> None:
    _role(root, n)
    root.put_role_policy(RoleName=n.name, PolicyName="p", PolicyDocument=POLICY)


def _user(root: Any, n: Names) -> None:
    root.create_user(UserName=n.name, Path=ALLOWED_PATH)


def _user_with_policy(root: Any, n: Names) -> None:
    _user(root, n)
    root.put_user_policy(UserName=n.name, PolicyName="p", PolicyDocument=POLICY)


def _user_with_key(root: Any, n: Names) -> str:
    _user(root, n)
    return str(root.create_access_key(UserName=n.name)["AccessKey"]["AccessKeyId"])


def _nothing(root: Any, n: Names) -> None:
    return None


_KEYS: dict[str, str] = {}  # case name -> access key id made by setup


def _keyed(root: Any, n: Names) -> None:
    _KEYS[n.name] = _user_with_key(root, n)


def _other_user_with_key(root: Any, n: Names) -> None:
    """For GetAccessKeyLastUsed: a key of a user outside /allowed/."""
    _keyed(root, n)
    root.create_user(UserName=n.other)
    _KEYS[n.other] = root.create_access_key(UserName=n.other)["AccessKey"]["AccessKeyId"]


BOUNDARY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
TAGS = [{"Key": "team", "Value": "blue"}]

CASES: dict[str, Case] = {
    # --- roles ----------------------------------------------------------------------------------
    "CreateRole": Case(
        "iam:CreateRole",
        _nothing,
        lambda c, n: c.create_role(
            RoleName=n.name, Path=ALLOWED_PATH, AssumeRolePolicyDocument=TRUST
        ),
        lambda c, n: c.create_role(RoleName=n.other, AssumeRolePolicyDocument=TRUST),
        lambda n: n.role_arn(),
    ),
    "GetRole": Case(
        "iam:GetRole",
        _role,
        lambda c, n: c.get_role(RoleName=n.name),
        lambda c, n: c.get_role(RoleName=n.other),
        lambda n: n.role_arn(),
    ),
    "ListRoles": Case(
        "iam:ListRoles",
        _nothing,
        lambda c, n: c.list_roles(PathPrefix=ALLOWED_PATH),
        lambda c, n: c.list_roles(),
        lambda n: f"arn:aws:iam::{ACCOUNT_ID}:role/",
    ),
    "UpdateRole": Case(
        "iam:UpdateRole",
        _role,
        lambda c, n: c.update_role(RoleName=n.name, Description="d"),
        lambda c, n: c.update_role(RoleName=n.other, Description="d"),
        lambda n: n.role_arn(),
    ),
    "UpdateRoleDescription": Case(
        "iam:UpdateRoleDescription",
        _role,
        lambda c, n: c.update_role_description(RoleName=n.name, Description="d"),
        lambda c, n: c.update_role_description(RoleName=n.other, Description="d"),
        lambda n: n.role_arn(),
    ),
    "DeleteRole": Case(
        "iam:DeleteRole",
        _role,
        lambda c, n: c.delete_role(RoleName=n.name),
        lambda c, n: c.delete_role(RoleName=n.other),
        lambda n: n.role_arn(),
    ),
    "UpdateAssumeRolePolicy": Case(
        "iam:UpdateAssumeRolePolicy",
        _role,
        lambda c, n: c.update_assume_role_policy(RoleName=n.name, PolicyDocument=TRUST),
        lambda c, n: c.update_assume_role_policy(RoleName=n.other, PolicyDocument=TRUST),
        lambda n: n.role_arn(),
    ),
    "TagRole": Case(
        "iam:TagRole",
        _role,
        lambda c, n: c.tag_role(RoleName=n.name, Tags=TAGS),
        lambda c, n: c.tag_role(RoleName=n.other, Tags=TAGS),
        lambda n: n.role_arn(),
    ),
    "UntagRole": Case(
        "iam:UntagRole",
        _role,
        lambda c, n: c.untag_role(RoleName=n.name, TagKeys=["team"]),
        lambda c, n: c.untag_role(RoleName=n.other, TagKeys=["team"]),
        lambda n: n.role_arn(),
    ),
    "ListRoleTags": Case(
        "iam:ListRoleTags",
        _role,
        lambda c, n: c.list_role_tags(RoleName=n.name),
        lambda c, n: c.list_role_tags(RoleName=n.other),
        lambda n: n.role_arn(),
    ),
    "PutRolePermissionsBoundary": Case(
        "iam:PutRolePermissionsBoundary",
        _role,
        lambda c, n: c.put_role_permissions_boundary(RoleName=n.name, PermissionsBoundary=BOUNDARY),
        lambda c, n: c.put_role_permissions_boundary(
            RoleName=n.other, PermissionsBoundary=BOUNDARY
        ),
        lambda n: n.role_arn(),
    ),
    "DeleteRolePermissionsBoundary": Case(
        "iam:DeleteRolePermissionsBoundary",
        lambda root, n: root.create_role(
            RoleName=n.name,
            Path=ALLOWED_PATH,
            AssumeRolePolicyDocument=TRUST,
            PermissionsBoundary=BOUNDARY,
        ),
        lambda c, n: c.delete_role_permissions_boundary(RoleName=n.name),
        lambda c, n: c.delete_role_permissions_boundary(RoleName=n.other),
        lambda n: n.role_arn(),
    ),
    # --- role inline policies -------------------------------------------------------------------
    "PutRolePolicy": Case(
        "iam:PutRolePolicy",
        _role,
        lambda c, n: c.put_role_policy(RoleName=n.name, PolicyName="p", PolicyDocument=POLICY),
        lambda c, n: c.put_role_policy(RoleName=n.other, PolicyName="p", PolicyDocument=POLICY),
        lambda n: n.role_arn(),
    ),
    "GetRolePolicy": Case(
        "iam:GetRolePolicy",
        _role_with_policy,
        lambda c, n: c.get_role_policy(RoleName=n.name, PolicyName="p"),
        lambda c, n: c.get_role_policy(RoleName=n.other, PolicyName="p"),
        lambda n: n.role_arn(),
    ),
    "ListRolePolicies": Case(
        "iam:ListRolePolicies",
        _role_with_policy,
        lambda c, n: c.list_role_policies(RoleName=n.name),
        lambda c, n: c.list_role_policies(RoleName=n.other),
        lambda n: n.role_arn(),
    ),
    "DeleteRolePolicy": Case(
        "iam:DeleteRolePolicy",
        _role_with_policy,
        lambda c, n: c.delete_role_policy(RoleName=n.name, PolicyName="p"),
        lambda c, n: c.delete_role_policy(RoleName=n.other, PolicyName="p"),
        lambda n: n.role_arn(),
    ),
    # --- users ----------------------------------------------------------------------------------
    "CreateUser": Case(
        "iam:CreateUser",
        _nothing,
        lambda c, n: c.create_user(UserName=n.name, Path=ALLOWED_PATH),
        lambda c, n: c.create_user(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "GetUser": Case(
        "iam:GetUser",
        _user,
        lambda c, n: c.get_user(UserName=n.name),
        lambda c, n: c.get_user(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "ListUsers": Case(
        "iam:ListUsers",
        _nothing,
        lambda c, n: c.list_users(PathPrefix=ALLOWED_PATH),
        lambda c, n: c.list_users(),
        lambda n: f"arn:aws:iam::{ACCOUNT_ID}:user/",
    ),
    "UpdateUser": Case(
        "iam:UpdateUser",
        _user,
        lambda c, n: c.update_user(UserName=n.name, NewUserName=n.name + "-2"),
        lambda c, n: c.update_user(UserName=n.other, NewUserName=n.other + "-2"),
        lambda n: n.user_arn(),
    ),
    "DeleteUser": Case(
        "iam:DeleteUser",
        _user,
        lambda c, n: c.delete_user(UserName=n.name),
        lambda c, n: c.delete_user(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "TagUser": Case(
        "iam:TagUser",
        _user,
        lambda c, n: c.tag_user(UserName=n.name, Tags=TAGS),
        lambda c, n: c.tag_user(UserName=n.other, Tags=TAGS),
        lambda n: n.user_arn(),
    ),
    "UntagUser": Case(
        "iam:UntagUser",
        _user,
        lambda c, n: c.untag_user(UserName=n.name, TagKeys=["team"]),
        lambda c, n: c.untag_user(UserName=n.other, TagKeys=["team"]),
        lambda n: n.user_arn(),
    ),
    "ListUserTags": Case(
        "iam:ListUserTags",
        _user,
        lambda c, n: c.list_user_tags(UserName=n.name),
        lambda c, n: c.list_user_tags(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "PutUserPermissionsBoundary": Case(
        "iam:PutUserPermissionsBoundary",
        _user,
        lambda c, n: c.put_user_permissions_boundary(UserName=n.name, PermissionsBoundary=BOUNDARY),
        lambda c, n: c.put_user_permissions_boundary(
            UserName=n.other, PermissionsBoundary=BOUNDARY
        ),
        lambda n: n.user_arn(),
    ),
    "DeleteUserPermissionsBoundary": Case(
        "iam:DeleteUserPermissionsBoundary",
        lambda root, n: root.create_user(
            UserName=n.name, Path=ALLOWED_PATH, PermissionsBoundary=BOUNDARY
        ),
        lambda c, n: c.delete_user_permissions_boundary(UserName=n.name),
        lambda c, n: c.delete_user_permissions_boundary(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    # --- user inline policies -------------------------------------------------------------------
    "PutUserPolicy": Case(
        "iam:PutUserPolicy",
        _user,
        lambda c, n: c.put_user_policy(UserName=n.name, PolicyName="p", PolicyDocument=POLICY),
        lambda c, n: c.put_user_policy(UserName=n.other, PolicyName="p", PolicyDocument=POLICY),
        lambda n: n.user_arn(),
    ),
    "GetUserPolicy": Case(
        "iam:GetUserPolicy",
        _user_with_policy,
        lambda c, n: c.get_user_policy(UserName=n.name, PolicyName="p"),
        lambda c, n: c.get_user_policy(UserName=n.other, PolicyName="p"),
        lambda n: n.user_arn(),
    ),
    "ListUserPolicies": Case(
        "iam:ListUserPolicies",
        _user_with_policy,
        lambda c, n: c.list_user_policies(UserName=n.name),
        lambda c, n: c.list_user_policies(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "DeleteUserPolicy": Case(
        "iam:DeleteUserPolicy",
        _user_with_policy,
        lambda c, n: c.delete_user_policy(UserName=n.name, PolicyName="p"),
        lambda c, n: c.delete_user_policy(UserName=n.other, PolicyName="p"),
        lambda n: n.user_arn(),
    ),
    # --- access keys ----------------------------------------------------------------------------
    "CreateAccessKey": Case(
        "iam:CreateAccessKey",
        _user,
        lambda c, n: c.create_access_key(UserName=n.name),
        lambda c, n: c.create_access_key(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "ListAccessKeys": Case(
        "iam:ListAccessKeys",
        _keyed,
        lambda c, n: c.list_access_keys(UserName=n.name),
        lambda c, n: c.list_access_keys(UserName=n.other),
        lambda n: n.user_arn(),
    ),
    "UpdateAccessKey": Case(
        "iam:UpdateAccessKey",
        _keyed,
        lambda c, n: c.update_access_key(
            UserName=n.name, AccessKeyId=_KEYS[n.name], Status="Inactive"
        ),
        lambda c, n: c.update_access_key(
            UserName=n.other, AccessKeyId=_KEYS[n.name], Status="Inactive"
        ),
        lambda n: n.user_arn(),
    ),
    "DeleteAccessKey": Case(
        "iam:DeleteAccessKey",
        _keyed,
        lambda c, n: c.delete_access_key(UserName=n.name, AccessKeyId=_KEYS[n.name]),
        lambda c, n: c.delete_access_key(UserName=n.other, AccessKeyId=_KEYS[n.name]),
        lambda n: n.user_arn(),
    ),
    "GetAccessKeyLastUsed": Case(
        "iam:GetAccessKeyLastUsed",
        _other_user_with_key,
        lambda c, n: c.get_access_key_last_used(AccessKeyId=_KEYS[n.name]),
        lambda c, n: c.get_access_key_last_used(AccessKeyId=_KEYS[n.other]),
        lambda n: n.user_arn(),
    ),
}


# --- managed policies, versions and attachments (policies under /allowed/ are allowed) ---------
def _policy_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:policy{path}{name}"


def _allowed_policy_arn(n: Names) -> str:
    return _policy_arn(n.name, ALLOWED_PATH)


def _managed_policy(root: Any, n: Names) -> None:
    root.create_policy(PolicyName=n.name, Path=ALLOWED_PATH, PolicyDocument=POLICY)


def _managed_policy_with_v2(root: Any, n: Names) -> None:
    _managed_policy(root, n)
    root.create_policy_version(PolicyArn=_allowed_policy_arn(n), PolicyDocument=POLICY)


def _role_and_policy(root: Any, n: Names) -> None:
    _role(root, n)
    _managed_policy(root, n)


def _role_with_attached(root: Any, n: Names) -> None:
    _role_and_policy(root, n)
    root.attach_role_policy(RoleName=n.name, PolicyArn=_allowed_policy_arn(n))


def _user_and_policy(root: Any, n: Names) -> None:
    _user(root, n)
    _managed_policy(root, n)


def _user_with_attached(root: Any, n: Names) -> None:
    _user_and_policy(root, n)
    root.attach_user_policy(UserName=n.name, PolicyArn=_allowed_policy_arn(n))


def _on_policy(action: str, setup: Callable[[Any, Names], Any], call: str, **kw: Any) -> Case:
    """A case whose resource is the policy: allowed on /allowed/NAME, denied on /OTHER."""
    return Case(
        action,
        setup,
        lambda c, n: getattr(c, call)(PolicyArn=_allowed_policy_arn(n), **kw),
        lambda c, n: getattr(c, call)(PolicyArn=_policy_arn(n.other), **kw),
        lambda n: _policy_arn(n.other),
    )


CASES.update(
    {
        "CreatePolicy": Case(
            "iam:CreatePolicy",
            _nothing,
            lambda c, n: c.create_policy(
                PolicyName=n.name, Path=ALLOWED_PATH, PolicyDocument=POLICY
            ),
            lambda c, n: c.create_policy(PolicyName=n.other, PolicyDocument=POLICY),
            lambda n: _policy_arn(n.other),
        ),
        "ListPolicies": Case(
            "iam:ListPolicies",
            _nothing,
            lambda c, n: c.list_policies(PathPrefix=ALLOWED_PATH),
            lambda c, n: c.list_policies(),
            lambda n: _policy_arn(""),
        ),
        "GetPolicy": _on_policy("iam:GetPolicy", _managed_policy, "get_policy"),
        "DeletePolicy": _on_policy("iam:DeletePolicy", _managed_policy, "delete_policy"),
        "ListEntitiesForPolicy": _on_policy(
            "iam:ListEntitiesForPolicy", _managed_policy, "list_entities_for_policy"
        ),
        "TagPolicy": _on_policy("iam:TagPolicy", _managed_policy, "tag_policy", Tags=TAGS),
        "UntagPolicy": _on_policy(
            "iam:UntagPolicy", _managed_policy, "untag_policy", TagKeys=["team"]
        ),
        "ListPolicyTags": _on_policy("iam:ListPolicyTags", _managed_policy, "list_policy_tags"),
        "CreatePolicyVersion": _on_policy(
            "iam:CreatePolicyVersion",
            _managed_policy,
            "create_policy_version",
            PolicyDocument=POLICY,
        ),
        "GetPolicyVersion": _on_policy(
            "iam:GetPolicyVersion", _managed_policy, "get_policy_version", VersionId="v1"
        ),
        "ListPolicyVersions": _on_policy(
            "iam:ListPolicyVersions", _managed_policy, "list_policy_versions"
        ),
        "DeletePolicyVersion": _on_policy(
            "iam:DeletePolicyVersion",
            _managed_policy_with_v2,
            "delete_policy_version",
            VersionId="v2",
        ),
        "SetDefaultPolicyVersion": _on_policy(
            "iam:SetDefaultPolicyVersion",
            _managed_policy_with_v2,
            "set_default_policy_version",
            VersionId="v2",
        ),
        "AttachRolePolicy": Case(
            "iam:AttachRolePolicy",
            _role_and_policy,
            lambda c, n: c.attach_role_policy(RoleName=n.name, PolicyArn=_allowed_policy_arn(n)),
            lambda c, n: c.attach_role_policy(RoleName=n.other, PolicyArn=_allowed_policy_arn(n)),
            lambda n: n.role_arn(),
        ),
        "DetachRolePolicy": Case(
            "iam:DetachRolePolicy",
            _role_with_attached,
            lambda c, n: c.detach_role_policy(RoleName=n.name, PolicyArn=_allowed_policy_arn(n)),
            lambda c, n: c.detach_role_policy(RoleName=n.other, PolicyArn=_allowed_policy_arn(n)),
            lambda n: n.role_arn(),
        ),
        "ListAttachedRolePolicies": Case(
            "iam:ListAttachedRolePolicies",
            _role,
            lambda c, n: c.list_attached_role_policies(RoleName=n.name),
            lambda c, n: c.list_attached_role_policies(RoleName=n.other),
            lambda n: n.role_arn(),
        ),
        "AttachUserPolicy": Case(
            "iam:AttachUserPolicy",
            _user_and_policy,
            lambda c, n: c.attach_user_policy(UserName=n.name, PolicyArn=_allowed_policy_arn(n)),
            lambda c, n: c.attach_user_policy(UserName=n.other, PolicyArn=_allowed_policy_arn(n)),
            lambda n: n.user_arn(),
        ),
        "DetachUserPolicy": Case(
            "iam:DetachUserPolicy",
            _user_with_attached,
            lambda c, n: c.detach_user_policy(UserName=n.name, PolicyArn=_allowed_policy_arn(n)),
            lambda c, n: c.detach_user_policy(UserName=n.other, PolicyArn=_allowed_policy_arn(n)),
            lambda n: n.user_arn(),
        ),
        "ListAttachedUserPolicies": Case(
            "iam:ListAttachedUserPolicies",
            _user,
            lambda c, n: c.list_attached_user_policies(UserName=n.name),
            lambda c, n: c.list_attached_user_policies(UserName=n.other),
            lambda n: n.user_arn(),
        ),
    }
)


# The policy simulator: the Principal pair is authorized on the PolicySourceArn
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html).
CASES.update(
    {
        "SimulatePrincipalPolicy": Case(
            "iam:SimulatePrincipalPolicy",
            _user_with_policy,
            lambda c, n: c.simulate_principal_policy(
                PolicySourceArn=n.user_arn(n.name, ALLOWED_PATH), ActionNames=["s3:GetObject"]
            ),
            lambda c, n: c.simulate_principal_policy(
                PolicySourceArn=n.user_arn(), ActionNames=["s3:GetObject"]
            ),
            lambda n: n.user_arn(),
        ),
        "GetContextKeysForPrincipalPolicy": Case(
            "iam:GetContextKeysForPrincipalPolicy",
            _role_with_policy,
            lambda c, n: c.get_context_keys_for_principal_policy(
                PolicySourceArn=n.role_arn(n.name, ALLOWED_PATH)
            ),
            lambda c, n: c.get_context_keys_for_principal_policy(PolicySourceArn=n.role_arn()),
            lambda n: n.role_arn(),
        ),
    }
)


@pytest.fixture(scope="module")
def enforcer(node: Node) -> Credentials:
    """A role session allowed ``iam:*`` on entities under /allowed/ and nothing else."""
    root = node.client("iam")
    name = f"enforcer-{uuid.uuid4().hex[:8]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    scoped = policy(
        {
            "Effect": "Allow",
            "Action": "iam:*",
            "Resource": [
                f"arn:aws:iam::{ACCOUNT_ID}:role{ALLOWED_PATH}*",
                f"arn:aws:iam::{ACCOUNT_ID}:user{ALLOWED_PATH}*",
                f"arn:aws:iam::{ACCOUNT_ID}:policy{ALLOWED_PATH}*",
            ],
        }
    )
    root.put_role_policy(RoleName=name, PolicyName="scoped", PolicyDocument=scoped)
    return mint_role_session(node, role)


def access_denied(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    assert error["Code"] == "AccessDenied", error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return str(error["Message"])


@pytest.mark.parametrize("operation", sorted(CASES))
def test_allowed_and_denied(operation: str, node: Node, enforcer: Credentials) -> None:
    case = CASES[operation]
    # an operation of the matrix that the server no longer answers fails, never skips
    assert ("iam", operation) in operation_table(), f"{operation} is not in operation_table()"
    root = node.client("iam")
    session = enforcer.client(node)
    tag = uuid.uuid4().hex[:8]
    names = Names(name=f"ok-{operation.lower()}-{tag}", other=f"no-{operation.lower()}-{tag}")
    case.setup(root, names)
    case.allowed(session, names)
    message = access_denied(lambda: case.denied(session, names))
    assert message == (
        f"User: {enforcer.arn} is not authorized to perform: {case.action} on resource: "
        f"{case.resource(names)} because no identity-based policy allows the {case.action} action"
    )


def test_every_implemented_iam_operation_is_in_the_matrix() -> None:
    from test_enforcement_access_advisor import ADVISOR_CASES
    from test_enforcement_accounts import ACCOUNT_CASES
    from test_enforcement_certificates import CERTIFICATE_CASES
    from test_enforcement_credentials import COVERED_ELSEWHERE, CREDENTIAL_CASES
    from test_enforcement_groups import GROUP_CASES
    from test_enforcement_more import MORE_CASES
    from test_outside_organization import COVERED as OUTSIDE_ORGANIZATION

    implemented = {name for service, name in operation_table() if service == "iam"}
    covered = set(CASES) | set(MORE_CASES) | set(GROUP_CASES) | set(ACCOUNT_CASES)
    covered |= set(CREDENTIAL_CASES) | set(COVERED_ELSEWHERE) | set(CERTIFICATE_CASES)
    covered |= set(ADVISOR_CASES) | OUTSIDE_ORGANIZATION
    assert sorted(implemented - covered) == []


def test_get_caller_identity_needs_no_permission(node: Node) -> None:
    """GetCallerIdentity answers even under an explicit deny of everything."""
    root = node.client("iam")
    name = f"denied-all-{uuid.uuid4().hex[:8]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    deny_all = policy({"Effect": "Deny", "Action": "*", "Resource": "*"})
    root.put_role_policy(RoleName=name, PolicyName="deny", PolicyDocument=deny_all)
    creds = mint_role_session(node, role)
    identity = creds.client(node, "sts").get_caller_identity()
    assert identity["Arn"] == creds.arn
    message = access_denied(lambda: creds.client(node).get_role(RoleName=name))
    assert message == (
        f"User: {creds.arn} is not authorized to perform: iam:GetRole on resource: "
        f"{role['Arn']} with an explicit deny in an identity-based policy"
    )


# --- reason clauses and request context ---------------------------------------------------------


def role_session(node: Node, *statements: dict[str, Any], **options: Any) -> Credentials:
    """A session of a new role whose one inline policy holds ``statements``.

    ``boundary=ARN`` sets the role's permissions boundary; ``tags=[...]`` its tags; every other
    option is a session claim (``session_policy``, ``tags`` of the session via ``session_tags``,
    ``mfa_authenticated``, ``source_identity``, ``issued_at``)."""
    root = node.client("iam")
    name = f"ctx-{uuid.uuid4().hex[:10]}"
    extra: dict[str, Any] = {}
    if "boundary" in options:
        extra["PermissionsBoundary"] = options.pop("boundary")
    if "tags" in options:
        extra["Tags"] = options.pop("tags")
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, **extra)["Role"]
    root.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy(*statements))
    if "session_tags" in options:
        options["tags"] = tuple(options.pop("session_tags"))
    return mint_role_session(node, role, **options)


def allow(action: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*", **extra}


def role_arn_of(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"


def test_boundary_and_session_policy_reasons(node: Node) -> None:
    bounded = role_session(node, allow("iam:*"), boundary=BOUNDARY)
    iam = bounded.client(node)
    iam.list_roles()
    assert access_denied(lambda: iam.delete_role(RoleName="x")) == (
        f"User: {bounded.arn} is not authorized to perform: iam:DeleteRole on resource: "
        f"{role_arn_of('x')} because no permissions boundary allows the iam:DeleteRole action"
    )
    narrowed = role_session(node, allow("iam:*"), session_policy=policy(allow("iam:ListRoles")))
    iam = narrowed.client(node)
    iam.list_roles()
    assert access_denied(lambda: iam.get_role(RoleName="x")) == (
        f"User: {narrowed.arn} is not authorized to perform: iam:GetRole on resource: "
        f"{role_arn_of('x')} because no session policy allows the iam:GetRole action"
    )


def test_request_surroundings_in_conditions(node: Node) -> None:
    """aws:SourceIp, aws:SecureTransport, aws:CurrentTime / aws:EpochTime as the server sees
    the request (loopback, plain HTTP, now)."""
    here = role_session(
        node,
        allow(
            "iam:ListRoles",
            Condition={
                "IpAddress": {"aws:SourceIp": "127.0.0.0/8"},
                "Bool": {"aws:SecureTransport": "false"},
                "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                "NumericGreaterThan": {"aws:EpochTime": "1577836800"},
            },
        ),
    )
    here.client(node).list_roles()
    elsewhere = role_session(
        node, allow("iam:ListRoles", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    )
    access_denied(lambda: elsewhere.client(node).list_roles())
    tls_only = role_session(
        node, allow("iam:ListRoles", Condition={"Bool": {"aws:SecureTransport": "true"}})
    )
    access_denied(lambda: tls_only.client(node).list_roles())


def test_principal_keys_and_session_claims_in_conditions(node: Node) -> None:
    conditions = {
        "StringEquals": {
            "aws:PrincipalType": "AssumedRole",
            "aws:PrincipalAccount": ACCOUNT_ID,
            "aws:PrincipalTag/team": "blue",
            "aws:SourceIdentity": "alice",
        },
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "StringLike": {"aws:userid": "AROA*:tester"},
    }
    statement = allow("iam:ListRoles", Condition=conditions)
    claims = {"source_identity": "alice", "mfa_authenticated": True}
    # The role's tag says red; the session tag (any case) overrides it.
    ok = role_session(
        node,
        statement,
        tags=[{"Key": "Team", "Value": "red"}],
        session_tags=[("team", "blue")],
        **claims,
    )
    ok.client(node).list_roles()
    red = role_session(node, statement, tags=[{"Key": "team", "Value": "red"}], **claims)
    access_denied(lambda: red.client(node).list_roles())
    no_mfa = role_session(node, statement, session_tags=[("team", "blue")], source_identity="alice")
    access_denied(lambda: no_mfa.client(node).list_roles())


def test_role_arn_as_principal_arn_and_policy_variables(node: Node) -> None:
    """aws:PrincipalArn of a session is its role's ARN; ${aws:PrincipalTag/...} resolves."""
    root = node.client("iam")
    target = f"proj-{uuid.uuid4().hex[:8]}"
    root.create_role(RoleName=target, AssumeRolePolicyDocument=TRUST)
    creds = role_session(
        node,
        {
            "Effect": "Allow",
            "Action": "iam:GetRole",
            "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/${{aws:PrincipalTag/project}}",
            "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_ID}:role/ctx-*"}},
        },
        session_tags=[("project", target)],
    )
    iam = creds.client(node)
    assert iam.get_role(RoleName=target)["Role"]["RoleName"] == target
    access_denied(lambda: iam.get_role(RoleName=target + "-other"))


def test_request_tags_boundary_and_resource_tags_in_conditions(node: Node) -> None:
    """aws:RequestTag/*, aws:TagKeys and iam:PermissionsBoundary from the parameters;
    aws:ResourceTag/* and iam:ResourceTag/* from the role acted on."""
    creds = role_session(
        node,
        allow(
            "iam:CreateRole",
            Condition={
                "StringEquals": {
                    "aws:RequestTag/env": "dev",
                    "iam:PermissionsBoundary": BOUNDARY,
                },
                "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
            },
        ),
        allow("iam:TagRole", Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}),
        allow("iam:UntagRole", Condition={"StringEquals": {"iam:ResourceTag/env": "dev"}}),
    )
    iam = creds.client(node)
    name = f"tagged-{uuid.uuid4().hex[:8]}"
    dev = [{"Key": "env", "Value": "dev"}]
    common = {"AssumeRolePolicyDocument": TRUST, "PermissionsBoundary": BOUNDARY}
    access_denied(
        lambda: iam.create_role(RoleName=name, Tags=[{"Key": "env", "Value": "prod"}], **common)
    )
    access_denied(
        lambda: iam.create_role(RoleName=name, Tags=[*dev, {"Key": "x", "Value": "y"}], **common)
    )
    access_denied(lambda: iam.create_role(RoleName=name, Tags=dev, AssumeRolePolicyDocument=TRUST))
    iam.create_role(RoleName=name, Tags=dev, **common)
    iam.tag_role(RoleName=name, Tags=[{"Key": "owner", "Value": "me"}])
    iam.untag_role(RoleName=name, TagKeys=["owner"])
    node.client("iam").tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "prod"}])
    access_denied(lambda: iam.tag_role(RoleName=name, Tags=[{"Key": "owner", "Value": "me"}]))
    access_denied(lambda: iam.untag_role(RoleName=name, TagKeys=["env"]))
