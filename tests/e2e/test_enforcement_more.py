"""The enforcement matrix, continued: instance profiles, virtual MFA devices and service-linked
roles. Each case runs a session whose role allows exactly the case's action (plus what the call
also needs) on the case's resources, and a session allowed every *other* action (``NotAction``):
the first call succeeds, the second gets AWS's AccessDenied naming the missing action. Cases with
a ``denied`` call also check a resource outside the allowed scope.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from sessions import mint_role_session

from rolegate.server.operations import operation_table

from harness import ACCOUNT_ID, Node

ALLOWED = "/allowed/"
SLR_SERVICE = "autoscaling.amazonaws.com"
SLR_PATH = f"/aws-service-role/{SLR_SERVICE}/"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}
        ],
    }
)


def arn(kind: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:{kind}{path}{name}"


@dataclass
class Names:
    name: str  # the allowed entity (under /allowed/, set up by root)
    other: str  # a name outside the allowed scope
    found: dict[str, Any] = field(default_factory=dict)  # what setup returned


@dataclass
class Case:
    action: str
    setup: Callable[[Any, Names], Any]
    allowed: Callable[[Any, Names], Any]
    resource: Callable[[Names], str]  # the resource of the allowed call
    denied: Callable[[Any, Names], Any] | None = None  # a call outside the scope, if any
    denied_resource: Callable[[Names], str] | None = None
    scope: tuple[str, ...] = ()  # resource patterns of the allowing statement (default: /allowed/)
    also: tuple[str, ...] = ()  # further actions the allowed call needs


def _nothing(root: Any, n: Names) -> None:
    return None


def _profile(root: Any, n: Names) -> None:
    root.create_instance_profile(InstanceProfileName=n.name, Path=ALLOWED)


def _profile_and_role(root: Any, n: Names) -> None:
    _profile(root, n)
    root.create_role(RoleName=n.name, Path=ALLOWED, AssumeRolePolicyDocument=TRUST)


def _profile_with_role(root: Any, n: Names) -> None:
    _profile_and_role(root, n)
    root.add_role_to_instance_profile(InstanceProfileName=n.name, RoleName=n.name)


def _device(root: Any, n: Names) -> None:
    device = root.create_virtual_mfa_device(VirtualMFADeviceName=n.name, Path=ALLOWED)
    n.found["serial"] = device["VirtualMFADevice"]["SerialNumber"]
    n.found["seed"] = device["VirtualMFADevice"]["Base32StringSeed"].decode("ascii")


def _device_and_user(root: Any, n: Names) -> None:
    _device(root, n)
    root.create_user(UserName=n.name, Path=ALLOWED)


def _codes(n: Names) -> dict[str, str]:
    totp, now = pyotp.TOTP(n.found["seed"]), time.time()
    return {"AuthenticationCode1": totp.at(now - 30), "AuthenticationCode2": totp.at(now)}


def _later_codes(n: Names) -> dict[str, str]:
    """Two consecutive codes not yet spent by EnableMFADevice (resynchronising a device)."""
    totp, now = pyotp.TOTP(n.found["seed"]), time.time()
    return {"AuthenticationCode1": totp.at(now + 30), "AuthenticationCode2": totp.at(now + 60)}


def _enabled_device(root: Any, n: Names) -> None:
    _device_and_user(root, n)
    root.enable_mfa_device(UserName=n.name, SerialNumber=n.found["serial"], **_codes(n))


def _user(root: Any, n: Names) -> None:
    root.create_user(UserName=n.name, Path=ALLOWED)


def _slr_name(n: Names) -> str:
    return f"AWSServiceRoleForAutoScaling_{n.name}"


def _slr(root: Any, n: Names) -> None:
    root.create_service_linked_role(AWSServiceName=SLR_SERVICE, CustomSuffix=n.name)


def _slr_deleted(root: Any, n: Names) -> None:
    _slr(root, n)
    n.found["task"] = root.delete_service_linked_role(RoleName=_slr_name(n))["DeletionTaskId"]


def _profile_case(action: str, setup: Callable[[Any, Names], Any], call: str, **kw: Any) -> Case:
    def named(name: str) -> Callable[[Any, Names], Any]:
        return lambda c, n: getattr(c, call)(InstanceProfileName=getattr(n, name), **kw)

    return Case(
        action,
        setup,
        named("name"),
        lambda n: arn("instance-profile", n.name, ALLOWED),
        named("other"),
        lambda n: arn("instance-profile", n.other),
    )


TAGS = [{"Key": "team", "Value": "blue"}]
SLR_SCOPE = (arn("role", "*", SLR_PATH),)

MORE_CASES: dict[str, Case] = {
    # --- instance profiles ----------------------------------------------------------------------
    "CreateInstanceProfile": Case(
        "iam:CreateInstanceProfile",
        _nothing,
        lambda c, n: c.create_instance_profile(InstanceProfileName=n.name, Path=ALLOWED),
        lambda n: arn("instance-profile", n.name, ALLOWED),
        lambda c, n: c.create_instance_profile(InstanceProfileName=n.other),
        lambda n: arn("instance-profile", n.other),
    ),
    "GetInstanceProfile": _profile_case("iam:GetInstanceProfile", _profile, "get_instance_profile"),
    "DeleteInstanceProfile": _profile_case(
        "iam:DeleteInstanceProfile", _profile, "delete_instance_profile"
    ),
    "TagInstanceProfile": _profile_case(
        "iam:TagInstanceProfile", _profile, "tag_instance_profile", Tags=TAGS
    ),
    "UntagInstanceProfile": _profile_case(
        "iam:UntagInstanceProfile", _profile, "untag_instance_profile", TagKeys=["team"]
    ),
    "ListInstanceProfileTags": _profile_case(
        "iam:ListInstanceProfileTags", _profile, "list_instance_profile_tags"
    ),
    "ListInstanceProfiles": Case(
        "iam:ListInstanceProfiles",
        _nothing,
        lambda c, n: c.list_instance_profiles(PathPrefix=ALLOWED),
        lambda n: arn("instance-profile", "", ALLOWED),
        lambda c, n: c.list_instance_profiles(),
        lambda n: arn("instance-profile", ""),
    ),
    "AddRoleToInstanceProfile": Case(
        "iam:AddRoleToInstanceProfile",
        _profile_and_role,
        lambda c, n: c.add_role_to_instance_profile(InstanceProfileName=n.name, RoleName=n.name),
        lambda n: arn("instance-profile", n.name, ALLOWED),
        lambda c, n: c.add_role_to_instance_profile(InstanceProfileName=n.other, RoleName=n.name),
        lambda n: arn("instance-profile", n.other),
        also=("iam:PassRole",),
    ),
    "RemoveRoleFromInstanceProfile": Case(
        "iam:RemoveRoleFromInstanceProfile",
        _profile_with_role,
        lambda c, n: c.remove_role_from_instance_profile(
            InstanceProfileName=n.name, RoleName=n.name
        ),
        lambda n: arn("instance-profile", n.name, ALLOWED),
        lambda c, n: c.remove_role_from_instance_profile(
            InstanceProfileName=n.other, RoleName=n.name
        ),
        lambda n: arn("instance-profile", n.other),
    ),
    "ListInstanceProfilesForRole": Case(
        "iam:ListInstanceProfilesForRole",
        _profile_with_role,
        lambda c, n: c.list_instance_profiles_for_role(RoleName=n.name),
        lambda n: arn("role", n.name, ALLOWED),
        lambda c, n: c.list_instance_profiles_for_role(RoleName=n.other),
        lambda n: arn("role", n.other),
    ),
    # --- virtual MFA devices --------------------------------------------------------------------
    "CreateVirtualMFADevice": Case(
        "iam:CreateVirtualMFADevice",
        _nothing,
        lambda c, n: c.create_virtual_mfa_device(VirtualMFADeviceName=n.name, Path=ALLOWED),
        lambda n: arn("mfa", n.name, ALLOWED),
        lambda c, n: c.create_virtual_mfa_device(VirtualMFADeviceName=n.other),
        lambda n: arn("mfa", n.other),
    ),
    "EnableMFADevice": Case(
        "iam:EnableMFADevice",
        _device_and_user,
        lambda c, n: c.enable_mfa_device(
            UserName=n.name, SerialNumber=n.found["serial"], **_codes(n)
        ),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.enable_mfa_device(
            UserName=n.other, SerialNumber=n.found["serial"], **_codes(n)
        ),
        lambda n: arn("user", n.other),
    ),
    "DeactivateMFADevice": Case(
        "iam:DeactivateMFADevice",
        _enabled_device,
        lambda c, n: c.deactivate_mfa_device(UserName=n.name, SerialNumber=n.found["serial"]),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.deactivate_mfa_device(UserName=n.other, SerialNumber=n.found["serial"]),
        lambda n: arn("user", n.other),
    ),
    "ListMFADevices": Case(
        "iam:ListMFADevices",
        _user,
        lambda c, n: c.list_mfa_devices(UserName=n.name),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.list_mfa_devices(UserName=n.other),
        lambda n: arn("user", n.other),
    ),
    "GetMFADevice": Case(
        "iam:GetMFADevice",
        _enabled_device,
        lambda c, n: c.get_mfa_device(UserName=n.name, SerialNumber=n.found["serial"]),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.get_mfa_device(UserName=n.other, SerialNumber=n.found["serial"]),
        lambda n: arn("user", n.other),
    ),
    "ListVirtualMFADevices": Case(
        "iam:ListVirtualMFADevices",
        _nothing,
        lambda c, n: c.list_virtual_mfa_devices(),
        lambda n: "*",
        scope=("*",),
    ),
    "DeleteVirtualMFADevice": Case(
        "iam:DeleteVirtualMFADevice",
        _device,
        lambda c, n: c.delete_virtual_mfa_device(SerialNumber=n.found["serial"]),
        lambda n: arn("mfa", n.name, ALLOWED),
        lambda c, n: c.delete_virtual_mfa_device(SerialNumber=arn("mfa", n.other)),
        lambda n: arn("mfa", n.other),
    ),
    "TagMFADevice": Case(
        "iam:TagMFADevice",
        _device,
        lambda c, n: c.tag_mfa_device(SerialNumber=n.found["serial"], Tags=TAGS),
        lambda n: arn("mfa", n.name, ALLOWED),
        lambda c, n: c.tag_mfa_device(SerialNumber=arn("mfa", n.other), Tags=TAGS),
        lambda n: arn("mfa", n.other),
    ),
    "UntagMFADevice": Case(
        "iam:UntagMFADevice",
        _device,
        lambda c, n: c.untag_mfa_device(SerialNumber=n.found["serial"], TagKeys=["team"]),
        lambda n: arn("mfa", n.name, ALLOWED),
        lambda c, n: c.untag_mfa_device(SerialNumber=arn("mfa", n.other), TagKeys=["team"]),
        lambda n: arn("mfa", n.other),
    ),
    "ListMFADeviceTags": Case(
        "iam:ListMFADeviceTags",
        _device,
        lambda c, n: c.list_mfa_device_tags(SerialNumber=n.found["serial"]),
        lambda n: arn("mfa", n.name, ALLOWED),
        lambda c, n: c.list_mfa_device_tags(SerialNumber=arn("mfa", n.other)),
        lambda n: arn("mfa", n.other),
    ),
    "ResyncMFADevice": Case(
        "iam:ResyncMFADevice",
        _enabled_device,
        lambda c, n: c.resync_mfa_device(
            UserName=n.name, SerialNumber=n.found["serial"], **_later_codes(n)
        ),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.resync_mfa_device(
            UserName=n.other, SerialNumber=n.found["serial"], **_later_codes(n)
        ),
        lambda n: arn("user", n.other),
    ),
    # --- service-linked roles -------------------------------------------------------------------
    "CreateServiceLinkedRole": Case(
        "iam:CreateServiceLinkedRole",
        _nothing,
        lambda c, n: c.create_service_linked_role(AWSServiceName=SLR_SERVICE, CustomSuffix=n.name),
        lambda n: arn("role", _slr_name(n), SLR_PATH),
        scope=SLR_SCOPE,
    ),
    "DeleteServiceLinkedRole": Case(
        "iam:DeleteServiceLinkedRole",
        _slr,
        lambda c, n: c.delete_service_linked_role(RoleName=_slr_name(n)),
        lambda n: arn("role", _slr_name(n), SLR_PATH),
        scope=SLR_SCOPE,
    ),
    "GetServiceLinkedRoleDeletionStatus": Case(
        "iam:GetServiceLinkedRoleDeletionStatus",
        _slr_deleted,
        lambda c, n: c.get_service_linked_role_deletion_status(DeletionTaskId=n.found["task"]),
        lambda n: arn("role", _slr_name(n), SLR_PATH),
        scope=SLR_SCOPE,
    ),
    # --- outbound web identity federation (account-wide: Resource "*") -------------------------
    "EnableOutboundWebIdentityFederation": Case(
        "iam:EnableOutboundWebIdentityFederation",
        lambda root, n: _outbound(root, enabled=False),
        lambda c, n: c.enable_outbound_web_identity_federation(),
        lambda n: "*",
        scope=("*",),
    ),
    "DisableOutboundWebIdentityFederation": Case(
        "iam:DisableOutboundWebIdentityFederation",
        lambda root, n: _outbound(root, enabled=True),
        lambda c, n: c.disable_outbound_web_identity_federation(),
        lambda n: "*",
        scope=("*",),
    ),
    "GetOutboundWebIdentityFederationInfo": Case(
        "iam:GetOutboundWebIdentityFederationInfo",
        lambda root, n: _outbound(root, enabled=True),
        lambda c, n: c.get_outbound_web_identity_federation_info(),
        lambda n: "*",
        scope=("*",),
    ),
}


def _outbound(root: Any, *, enabled: bool) -> None:
    """Puts the account's outbound federation in the state the case's call needs."""
    try:
        on = root.get_outbound_web_identity_federation_info()["JwtVendingEnabled"]
    except ClientError:  # FeatureDisabled: never enabled
        on = False
    if on and not enabled:
        root.disable_outbound_web_identity_federation()
    elif enabled and not on:
        root.enable_outbound_web_identity_federation()


DEFAULT_SCOPE = tuple(
    arn(kind, "*", ALLOWED)
    for kind in ("role", "user", "group", "instance-profile", "mfa", "policy")
)


def session(node: Node, *statements: dict[str, Any]) -> Any:
    root = node.client("iam")
    name = f"more-{uuid.uuid4().hex[:10]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    root.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
    return mint_role_session(node, role)


def denied_message(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    assert (error["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "AccessDenied",
        403,
    ), error
    return str(error["Message"])


def expected(arn_: str, action: str, resource: str) -> str:
    on = "" if resource == "*" else f" on resource: {resource}"
    return (
        f"User: {arn_} is not authorized to perform: {action}{on} because no identity-based "
        f"policy allows the {action} action"
    )


@pytest.mark.parametrize("operation", sorted(MORE_CASES))
def test_allowed_and_denied(operation: str, node: Node) -> None:
    # an operation of the matrix that the server no longer answers fails, never skips
    assert ("iam", operation) in operation_table(), f"{operation} is not in operation_table()"
    run_case(MORE_CASES[operation], node)


def run_case(case: Case, node: Node) -> None:
    """The allowed call succeeds in a session allowed exactly the case's action; the calls
    outside the scope, and in a session allowed everything else, get AWS's AccessDenied."""
    tag = uuid.uuid4().hex[:8]
    names = Names(name=f"ok{tag}", other=f"no{tag}")
    case.setup(node.client("iam"), names)
    allowing = session(
        node,
        {
            "Effect": "Allow",
            "Action": [case.action, *case.also],
            "Resource": list(case.scope or DEFAULT_SCOPE),
        },
    )
    if case.denied is not None:
        assert case.denied_resource is not None
        client = allowing.client(node)
        message = denied_message(lambda: case.denied(client, names))  # type: ignore[misc]
        assert message == expected(allowing.arn, case.action, case.denied_resource(names))
    others = session(node, {"Effect": "Allow", "NotAction": case.action, "Resource": "*"})
    message = denied_message(lambda: case.allowed(others.client(node), names))
    assert message == expected(others.arn, case.action, case.resource(names))
    case.allowed(allowing.client(node), names)


# --- STS ----------------------------------------------------------------------------------------
# Where each STS operation's allowed and denied calls are checked.
STS_COVERAGE = {
    "AssumeRole": "test_assume_role_needs_the_identity_side_when_trust_names_the_account",
    "GetAccessKeyInfo": "test_get_access_key_info_needs_its_permission",
    "DecodeAuthorizationMessage": "test_decode_authorization.py (needs the permission)",
    "GetCallerIdentity": "test_enforcement.py::test_get_caller_identity_needs_no_permission",
    "GetFederationToken": "test_sts_tokens.py::test_federation_token(_needs_permission)",
    "GetSessionToken": "needs no permission; test_sts_tokens.py",
    # no permission named by the API reference; its layers narrow every later request
    "GetScopedCredentials": "needs no permission; test_scoped_credentials.py",
    # unsigned: only the role's trust policy decides
    "AssumeRoleWithWebIdentity": "test_web_identity.py::test_trust_policy_decides",
    "AssumeRoleWithSAML": "test_assume_role_with_saml.py::test_trust_policy_sees_the_saml_keys",
    "GetWebIdentityToken": "test_outbound_bad_input.py::test_condition_keys_and_companion_actions"
    "_decide",
    # rolegate's own: iam:PassRole on the role, then its trust policy for the service
    # no organizations: allowed callers are refused after the permission check
    "AssumeRoot": "test_outside_organization.py::test_assume_root_*",
    "GetDelegatedAccessToken": "test_outside_organization.py::test_standalone_account_answers",
    "AssumeRoleForWorkload": "test_workload_credentials.py::test_a_role_the_launcher_may_not_pass"
    ", test_passed_to_another_service, test_trust_policy_not_naming_the_service",
}


def test_every_implemented_sts_operation_is_covered() -> None:
    implemented = {name for service, name in operation_table() if service == "sts"}
    assert sorted(implemented - set(STS_COVERAGE)) == []


def test_assume_role_needs_the_identity_side_when_trust_names_the_account(node: Node) -> None:
    root = node.client("iam")
    target = root.create_role(
        RoleName=f"target-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=TRUST
    )["Role"]
    able = session(node, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target["Arn"]})
    answer = able.client(node, "sts").assume_role(RoleArn=target["Arn"], RoleSessionName="s1")
    assert answer["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/{target['RoleName']}/s1")
    unable = session(node, {"Effect": "Allow", "NotAction": "sts:AssumeRole", "Resource": "*"})
    with pytest.raises(ClientError) as info:
        unable.client(node, "sts").assume_role(RoleArn=target["Arn"], RoleSessionName="s1")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["Error"]["Message"] == (
        f"User: {unable.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{target['Arn']}"
    )


def test_get_access_key_info_needs_its_permission(node: Node) -> None:
    key_id = "AKIAROLEGATETESTROOT"
    able = session(node, {"Effect": "Allow", "Action": "sts:GetAccessKeyInfo", "Resource": "*"})
    answer = able.client(node, "sts").get_access_key_info(AccessKeyId=key_id)
    assert answer["Account"] == ACCOUNT_ID
    unable = session(
        node, {"Effect": "Allow", "NotAction": "sts:GetAccessKeyInfo", "Resource": "*"}
    )
    message = denied_message(
        lambda: unable.client(node, "sts").get_access_key_info(AccessKeyId=key_id)
    )
    assert message == expected(unable.arn, "sts:GetAccessKeyInfo", "*")


def test_pass_role_to_an_instance_profile_is_passed_to_ec2(node: Node) -> None:
    tag = uuid.uuid4().hex[:8]
    names = Names(name=f"pass{tag}", other=f"none{tag}")
    _profile_and_role(node.client("iam"), names)
    add = {"Effect": "Allow", "Action": "iam:AddRoleToInstanceProfile", "Resource": "*"}

    def passing_to(service: str) -> Any:
        condition = {"StringEquals": {"iam:PassedToService": service}}
        statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
        return session(node, {**statement, "Condition": condition}, add)

    lambda_only = passing_to("lambda.amazonaws.com")
    message = denied_message(
        lambda: lambda_only.client(node).add_role_to_instance_profile(
            InstanceProfileName=names.name, RoleName=names.name
        )
    )
    assert message == expected(lambda_only.arn, "iam:PassRole", arn("role", names.name, ALLOWED))
    passing_to("ec2.amazonaws.com").client(node).add_role_to_instance_profile(
        InstanceProfileName=names.name, RoleName=names.name
    )
