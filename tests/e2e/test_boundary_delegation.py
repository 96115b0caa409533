"""``iam:PermissionsBoundary`` on operations against an existing user or role: the delegation
example of access_policies_boundaries.md, played by delegated administrators over the wire.

For CreateUser/CreateRole and Put{User,Role}PermissionsBoundary the key is the boundary the
request names; for every other action whose row in the Service Authorization Reference lists
the key, it is the boundary the target has before the change, absent when it has none.

- ``zhang`` is the example's Zhang: any IAM action by his own policy, but his boundary
  (``DelegatedUserBoundary``, statement ``CreateOrChangeOnlyWithBoundary``) allows the actions
  that carry the key only when ``iam:PermissionsBoundary`` is ``XCompanyBoundaries``.
- ``keeper`` may do any IAM action but is denied, in his own policy, deleting the boundary of a
  user or role bounded by ``XCompanyBoundaries`` (the example's ``NoBoundaryUserDelete``,
  conditioned on the key).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_helpers import Account, User, allow, document, new_account, trust
from test_enforcement import access_denied

from harness import Node

ATTACHABLE = "arn:aws:iam::aws:policy/ReadOnlyAccess"
INLINE = document(allow("s3:GetObject"))

# The actions that take the key from the request; every other action whose row in the Service
# Authorization Reference lists it has a case in CASES below.
FROM_REQUEST = [
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
]


@dataclass
class Delegation:
    account: Account
    boundary: str  # XCompanyBoundaries
    other: str  # a boundary the administrators may not work with
    zhang: User
    keeper: User

    def target(self, kind: str, boundary: str | None, prepare: Callable[[Any, str], Any]) -> str:
        """A new user or role (``kind``) with ``boundary``, made ready by root."""
        root = self.account.client()
        name = f"{kind}-{uuid.uuid4().hex[:10]}"
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        if kind == "user":
            root.create_user(UserName=name, **extra)
        else:
            root.create_role(RoleName=name, AssumeRolePolicyDocument=self.trust(), **extra)
        prepare(root, name)
        return name

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:iam::{self.account.account_id}:{kind}/{name}"

    def trust(self) -> str:
        return trust({"AWS": self.account.account_id})


def _policy(root: Any, name: str, *statements: dict[str, Any]) -> str:
    return str(
        root.create_policy(PolicyName=name, PolicyDocument=document(*statements))["Policy"]["Arn"]
    )


@pytest.fixture(scope="module")
def delegation(node: Node) -> Delegation:
    account = new_account(node)
    root = account.client()
    x_company = _policy(root, "XCompanyBoundaries", allow(["s3:*", "cloudwatch:*", "iam:Get*"]))
    other = _policy(root, "OtherBoundary", allow("s3:*"))
    # Zhang's boundary: access_policies_boundaries.md's "CreateOrChangeOnlyWithBoundary",
    # stretched to roles and to every action the key applies to.
    delegated = _policy(
        root,
        "DelegatedUserBoundary",
        allow(
            [*CASES, *FROM_REQUEST],
            Sid="CreateOrChangeOnlyWithBoundary",
            Condition={"StringEquals": {"iam:PermissionsBoundary": x_company}},
        ),
    )
    zhang = account.user(document(allow("iam:*")), name=f"zhang-{uuid.uuid4().hex[:6]}")
    root.put_user_permissions_boundary(UserName=zhang.name, PermissionsBoundary=delegated)
    keeper = account.user(
        document(
            allow("iam:*"),
            {
                "Sid": "NoBoundaryDelete",
                "Effect": "Deny",
                "Action": [
                    "iam:DeleteUserPermissionsBoundary",
                    "iam:DeleteRolePermissionsBoundary",
                ],
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PermissionsBoundary": x_company}},
            },
        ),
        name=f"keeper-{uuid.uuid4().hex[:6]}",
    )
    return Delegation(account, x_company, other, zhang, keeper)


def _boundary_of(root: Any, kind: str, name: str) -> str | None:
    entity = (
        root.get_user(UserName=name)["User"]
        if kind == "user"
        else root.get_role(RoleName=name)["Role"]
    )
    found = entity.get("PermissionsBoundary")
    return None if found is None else str(found["PermissionsBoundaryArn"])


def _missing(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return bool(error.response["Error"]["Code"] == "NoSuchEntity")
    return False


@dataclass
class Case:
    """One action on an existing user or role: how root prepares the target, the delegated
    administrator's call, and how root sees (given the call's answer) that it happened."""

    kind: str  # "user" or "role"
    prepare: Callable[[Any, str], Any]
    call: Callable[[Any, str], Any]
    happened: Callable[[Any, str, Any], bool]


def _on(kind: str, method: str, **params: Any) -> Callable[[Any, str], Any]:
    """``call(client, name)``: ``client.<method>`` on the user or role ``name``; ``{kind}`` in
    ``method`` stands for "user" or "role"."""

    def call(client: Any, name: str) -> Any:
        key = f"{kind.capitalize()}Name"
        return getattr(client, method.format(kind=kind))(**{key: name}, **params)

    return call


def _nothing(root: Any, name: str) -> None:
    pass


def _inline_names(root: Any, kind: str, name: str) -> list[str]:
    return list(_on(kind, "list_{kind}_policies")(root, name)["PolicyNames"])


def _attached(root: Any, kind: str, name: str) -> list[str]:
    listed = _on(kind, "list_attached_{kind}_policies")(root, name)
    return [p["PolicyArn"] for p in listed["AttachedPolicies"]]


def _inline_names_are(kind: str, expected: list[str], root: Any, name: str, _: Any) -> bool:
    return _inline_names(root, kind, name) == expected


def _attached_are(kind: str, expected: list[str], root: Any, name: str, _: Any) -> bool:
    return _attached(root, kind, name) == expected


def _has_no_boundary(kind: str, root: Any, name: str, _: Any) -> bool:
    return _boundary_of(root, kind, name) is None


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for kind in ("user", "role"):
        title = kind.capitalize()
        put_inline = _on(kind, "put_{kind}_policy", PolicyName="p", PolicyDocument=INLINE)
        attach = _on(kind, "attach_{kind}_policy", PolicyArn=ATTACHABLE)
        cases[f"iam:Put{title}Policy"] = Case(
            kind, _nothing, put_inline, partial(_inline_names_are, kind, ["p"])
        )
        cases[f"iam:Delete{title}Policy"] = Case(
            kind,
            put_inline,
            _on(kind, "delete_{kind}_policy", PolicyName="p"),
            partial(_inline_names_are, kind, []),
        )
        cases[f"iam:Attach{title}Policy"] = Case(
            kind, _nothing, attach, partial(_attached_are, kind, [ATTACHABLE])
        )
        cases[f"iam:Detach{title}Policy"] = Case(
            kind,
            attach,
            _on(kind, "detach_{kind}_policy", PolicyArn=ATTACHABLE),
            partial(_attached_are, kind, []),
        )
        cases[f"iam:Delete{title}PermissionsBoundary"] = Case(
            kind,
            _nothing,
            _on(kind, "delete_{kind}_permissions_boundary"),
            partial(_has_no_boundary, kind),
        )
    new_trust = trust({"AWS": "arn:aws:iam::111122223333:root"})
    cases["iam:GetRole"] = Case(
        "role",
        _nothing,
        _on("role", "get_role"),
        lambda r, n, answer: answer["Role"]["RoleName"] == n,
    )
    cases["iam:UpdateRole"] = Case(
        "role",
        _nothing,
        _on("role", "update_role", MaxSessionDuration=7200),
        lambda r, n, _: r.get_role(RoleName=n)["Role"]["MaxSessionDuration"] == 7200,
    )
    cases["iam:UpdateRoleDescription"] = Case(
        "role",
        _nothing,
        _on("role", "update_role_description", Description="delegated"),
        lambda r, n, _: r.get_role(RoleName=n)["Role"].get("Description") == "delegated",
    )
    cases["iam:UpdateAssumeRolePolicy"] = Case(
        "role",
        _nothing,
        _on("role", "update_assume_role_policy", PolicyDocument=new_trust),
        lambda r, n, _: (
            r.get_role(RoleName=n)["Role"]["AssumeRolePolicyDocument"] == json.loads(new_trust)
        ),
    )
    cases["iam:DeleteRole"] = Case(
        "role",
        _nothing,
        _on("role", "delete_role"),
        lambda r, n, _: _missing(lambda: r.get_role(RoleName=n)),
    )
    return cases


CASES = _cases()


@pytest.mark.parametrize("action", sorted(CASES))
def test_allowed_only_on_a_principal_with_that_boundary(
    action: str, delegation: Delegation
) -> None:
    """The documented Allow pattern: Zhang acts on a user or role that has XCompanyBoundaries,
    and on no other (none, or another boundary): "no permissions boundary allows" it."""
    case = CASES[action]
    root = delegation.account.client()
    zhang = delegation.zhang.client("iam")
    bounded = delegation.target(case.kind, delegation.boundary, case.prepare)
    answer = case.call(zhang, bounded)
    assert case.happened(root, bounded, answer)
    for boundary in (None, delegation.other):
        name = delegation.target(case.kind, boundary, case.prepare)
        assert access_denied(partial(case.call, zhang, name)) == (
            f"User: {delegation.zhang.arn} is not authorized to perform: {action} on resource: "
            f"{delegation.arn(case.kind, name)} because no permissions boundary allows the "
            f"{action} action"
        )
        assert _boundary_of(root, case.kind, name) == boundary


@pytest.mark.parametrize("kind", ["user", "role"])
def test_a_conditioned_deny_keeps_the_boundary(kind: str, delegation: Delegation) -> None:
    """Denied "Delete*PermissionsBoundary when iam:PermissionsBoundary = XCompanyBoundaries",
    the keeper cannot strip that boundary (explicit deny in his identity-based policy); the
    boundary stays. A principal with another boundary is outside the deny."""
    root = delegation.account.client()
    keeper = delegation.keeper.client("iam")
    action = f"iam:Delete{kind.capitalize()}PermissionsBoundary"
    delete = _on(kind, "delete_{kind}_permissions_boundary")
    bounded = delegation.target(kind, delegation.boundary, _nothing)
    assert access_denied(lambda: delete(keeper, bounded)) == (
        f"User: {delegation.keeper.arn} is not authorized to perform: {action} on resource: "
        f"{delegation.arn(kind, bounded)} with an explicit deny in an identity-based policy"
    )
    assert _boundary_of(root, kind, bounded) == delegation.boundary
    elsewhere = delegation.target(kind, delegation.other, _nothing)
    delete(keeper, elsewhere)
    assert _boundary_of(root, kind, elsewhere) is None


@pytest.mark.parametrize("kind", ["user", "role"])
def test_put_boundary_is_judged_by_the_boundary_it_sets(kind: str, delegation: Delegation) -> None:
    """Zhang may "set the permissions boundary for existing users but only using that same
    policy": XCompanyBoundaries on a principal with no boundary or another one; never another
    boundary, not even over XCompanyBoundaries."""
    root = delegation.account.client()
    zhang = delegation.zhang.client("iam")
    action = f"iam:Put{kind.capitalize()}PermissionsBoundary"
    put_x = _on(kind, "put_{kind}_permissions_boundary", PermissionsBoundary=delegation.boundary)
    put_other = _on(kind, "put_{kind}_permissions_boundary", PermissionsBoundary=delegation.other)
    for before in (None, delegation.other, delegation.boundary):
        name = delegation.target(kind, before, _nothing)
        put_x(zhang, name)
        assert _boundary_of(root, kind, name) == delegation.boundary
    name = delegation.target(kind, delegation.boundary, _nothing)
    assert access_denied(lambda: put_other(zhang, name)) == (
        f"User: {delegation.zhang.arn} is not authorized to perform: {action} on resource: "
        f"{delegation.arn(kind, name)} because no permissions boundary allows the {action} action"
    )
    assert _boundary_of(root, kind, name) == delegation.boundary


@pytest.mark.parametrize("kind", ["user", "role"])
def test_create_only_with_that_boundary(kind: str, delegation: Delegation) -> None:
    zhang = delegation.zhang.client("iam")
    title = kind.capitalize()
    action = f"iam:Create{title}"

    def create(name: str, **extra: Any) -> Any:
        if kind == "role":
            extra["AssumeRolePolicyDocument"] = delegation.trust()
        return getattr(zhang, f"create_{kind}")(**{f"{title}Name": name}, **extra)

    created = create(f"new-{uuid.uuid4().hex[:8]}", PermissionsBoundary=delegation.boundary)
    assert created[title]["PermissionsBoundary"]["PermissionsBoundaryArn"] == delegation.boundary
    for extra in ({}, {"PermissionsBoundary": delegation.other}):
        name = f"new-{uuid.uuid4().hex[:8]}"
        assert access_denied(partial(create, name, **extra)) == (
            f"User: {delegation.zhang.arn} is not authorized to perform: {action} on resource: "
            f"{delegation.arn(kind, name)} because no permissions boundary allows the {action} "
            "action"
        )
