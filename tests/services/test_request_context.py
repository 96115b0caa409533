"""Request-context keys built for the engine (services.request_context)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rolegate.catalog.iam_condition_keys import iam_actions_supporting
from rolegate.domain.caller import Caller
from rolegate.domain.entities import Tag
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.authz.request_context import (
    Surroundings,
    base_context,
    effective_principal_tags,
    merged,
    parameter_context,
    pass_role_context,
    principal_context,
    resource_tag_context,
    target_boundary_context,
)

A = "111111111111"
NOW = datetime(2026, 11, 28, 2, 30, 15, tzinfo=UTC)
USER = Caller(
    A,
    "user",
    f"arn:aws:iam::{A}:user/dev/alice",
    "AIDAALICE",
    access_key_id="AKIA1",
    user_name="alice",
)


def role_session(**claims: object) -> Caller:
    session = SessionClaims(
        kind=SessionKind.ROLE,
        account_id=A,
        access_key_id="ASIAEXAMPLE",
        secret_access_key="s",
        issued_at=NOW - timedelta(minutes=5),
        expires_at=NOW + timedelta(hours=1),
        principal_arn=f"arn:aws:sts::{A}:assumed-role/app/s1",
        principal_id="AROAAPP:s1",
        role_arn=f"arn:aws:iam::{A}:role/team/app",
        role_id="AROAAPP",
        session_name="s1",
        **claims,  # type: ignore[arg-type]
    )
    return Caller(A, "role_session", session.principal_arn, session.principal_id, session=session)


def test_long_term_credentials_have_no_session_keys() -> None:
    context = base_context(USER, Surroundings(NOW, "127.0.0.1", False, "eu-west-1"))
    assert context["aws:CurrentTime"] == "2026-11-28T02:30:15Z"
    assert context["aws:EpochTime"] == str(int(NOW.timestamp()))
    assert context["aws:SecureTransport"] == "false"
    assert context["aws:SourceIp"] == "127.0.0.1"
    assert context["aws:RequestedRegion"] == "eu-west-1"
    for absent in ("aws:TokenIssueTime", "aws:MultiFactorAuthPresent", "aws:SourceIdentity"):
        assert absent not in context


def test_session_keys() -> None:
    mfa_at = NOW - timedelta(seconds=90)
    caller = role_session(
        mfa_authenticated=True, mfa_authenticated_at=mfa_at, source_identity="alice"
    )
    context = base_context(caller, Surroundings(NOW, secure_transport=True))
    assert context["aws:TokenIssueTime"] == "2026-11-28T02:25:15Z"
    assert context["aws:MultiFactorAuthPresent"] == "true"
    assert context["aws:MultiFactorAuthAge"] == "90"
    assert context["aws:SourceIdentity"] == "alice"
    assert context["aws:SecureTransport"] == "true"
    assert "aws:SourceIp" not in context
    without_mfa = base_context(role_session(), Surroundings(NOW))
    assert without_mfa["aws:MultiFactorAuthPresent"] == "false"
    assert "aws:MultiFactorAuthAge" not in without_mfa


def test_principal_keys_of_a_role_session_name_the_role() -> None:
    caller = role_session(tags=(("team", "blue"),))
    tags = effective_principal_tags([Tag("Team", "red"), Tag("cost", "42")], caller)
    context = principal_context(caller, tags)
    assert context["aws:PrincipalArn"] == f"arn:aws:iam::{A}:role/team/app"
    assert context["aws:PrincipalType"] == "AssumedRole"
    assert context["aws:userid"] == "AROAAPP:s1"
    assert "aws:username" not in context
    # The session tag replaces the role tag whose key differs only in case.
    assert context["aws:PrincipalTag/team"] == "blue"
    assert "aws:PrincipalTag/Team" not in context
    assert context["aws:PrincipalTag/cost"] == "42"


def test_principal_keys_of_a_user() -> None:
    context = principal_context(USER, [Tag("dept", "x")])
    assert context["aws:PrincipalArn"] == USER.arn
    assert context["aws:PrincipalType"] == "User"
    assert context["aws:username"] == "alice"
    assert context["aws:PrincipalTag/dept"] == "x"


def test_parameter_keys() -> None:
    context = parameter_context(
        {
            "RoleName": "r",
            "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "Owner", "Value": "me"}],
            "PermissionsBoundary": "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
            "PolicyArn": f"arn:aws:iam::{A}:policy/p",
        }
    )
    assert context == {
        "aws:RequestTag/env": "dev",
        "aws:RequestTag/Owner": "me",
        "aws:TagKeys": ["env", "Owner"],
        "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        "iam:PolicyARN": f"arn:aws:iam::{A}:policy/p",
    }
    assert parameter_context({"TagKeys": ["a", "b"]}) == {"aws:TagKeys": ["a", "b"]}
    assert parameter_context(None) == {}


BOUNDARY = f"arn:aws:iam::{A}:policy/XCompanyBoundaries"

# The IAM actions whose condition-key column in the Service Authorization Reference lists
# iam:PermissionsBoundary (list_awsidentityandaccessmanagementiam.html), as of this writing.
ACTIONS_WITH_BOUNDARY_KEY = {
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteUserPolicy",
    "iam:DetachRolePolicy",
    "iam:DetachUserPolicy",
    "iam:GetRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
}


def test_the_reference_lists_the_boundary_key_for_these_actions() -> None:
    supported = iam_actions_supporting("iam:PermissionsBoundary")
    assert {a.lower() for a in ACTIONS_WITH_BOUNDARY_KEY} <= supported
    assert iam_actions_supporting("IAM:PERMISSIONSBOUNDARY") == supported  # any case
    for action in ("iam:GetUser", "iam:TagRole", "iam:ListRoles", "iam:PassRole"):
        assert action.lower() not in supported
    assert "iam:passrole" in iam_actions_supporting("iam:PassedToService")


def test_the_targets_current_boundary_for_actions_on_an_existing_principal() -> None:
    for action in ACTIONS_WITH_BOUNDARY_KEY - {
        "iam:PutRolePermissionsBoundary",
        "iam:PutUserPermissionsBoundary",
    }:
        assert target_boundary_context(action, BOUNDARY) == {"iam:PermissionsBoundary": BOUNDARY}
    assert target_boundary_context("IAM:putUserPolicy", BOUNDARY) == {
        "iam:PermissionsBoundary": BOUNDARY
    }


def test_no_boundary_key_without_a_boundary_or_for_other_actions() -> None:
    assert target_boundary_context("iam:PutUserPolicy", None) == {}
    assert target_boundary_context("iam:DeleteUserPermissionsBoundary", None) == {}
    assert target_boundary_context("iam:GetUser", BOUNDARY) == {}
    assert target_boundary_context("iam:TagRole", BOUNDARY) == {}


def test_put_permissions_boundary_carries_the_boundary_it_sets() -> None:
    """The key is the request's boundary, not the one it replaces (access_policies_boundaries.md,
    "set the permissions boundary for existing users but only using that same policy")."""
    new = f"arn:aws:iam::{A}:policy/Other"
    for action in ("iam:PutUserPermissionsBoundary", "iam:PutRolePermissionsBoundary"):
        assert target_boundary_context(action, BOUNDARY) == {}
        context = merged(
            parameter_context({"UserName": "u", "PermissionsBoundary": new}),
            target_boundary_context(action, BOUNDARY),
        )
        assert context["iam:PermissionsBoundary"] == new


def test_resource_tags_under_both_prefixes_and_later_parts_win() -> None:
    assert resource_tag_context([Tag("env", "dev")]) == {
        "aws:ResourceTag/env": "dev",
        "iam:ResourceTag/env": "dev",
    }
    assert merged({"k": "a", "l": ("x", "y")}, None, {"k": "b"}) == {"k": "b", "l": ["x", "y"]}


def test_a_role_added_to_an_instance_profile_is_passed_to_ec2() -> None:
    params = {"InstanceProfileName": "web", "RoleName": "app"}
    assert pass_role_context("iam:PassRole", params) == {"iam:PassedToService": "ec2.amazonaws.com"}
    assert pass_role_context("iam:AddRoleToInstanceProfile", params) == {}
    assert pass_role_context("iam:PassRole", {"RoleName": "app"}) == {}


def test_federation_callers_have_no_iam_principal_keys() -> None:
    web = Caller(A, "web_identity", "accounts.google.com", "sub-123")
    assert principal_context(web, []) == {}
