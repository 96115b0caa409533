"""Modifying and deleting roles in the console, in Debian's Chromium, as the IAM User Guide's
console procedures do it: description and maximum session duration, deleting roles (with their
policies and instance profiles), a role for EC2 and its instance profile, service-linked roles."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from console_helpers import ADMIN, axe, new_user, sign_in, trust
from playwright.sync_api import Browser, Page
from test_service_linked_roles import (  # noqa: F401 (a server with an operator catalogue)
    CatalogServer,
    catalog_server,
    write_catalog,
)

from harness import ACCOUNT_ID, Server

ROOT = f"arn:aws:iam::{ACCOUNT_ID}:root"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
_INLINE = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def _signed_in(page: Page, server: Server, *policies: str) -> str:
    user, password = new_user(server, *policies)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    return user


def _gone(server: Server, name: str) -> None:
    with pytest.raises(ClientError) as caught:
        server.client("iam").get_role(RoleName=name)
    assert caught.value.response["Error"]["Code"] == "NoSuchEntity"


def test_edit_description_and_max_session(
    browser: Browser, server: Server, axe_script: Path
) -> None:
    iam = server.client("iam")
    name = f"edit-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(ROOT))
    context = browser.new_context(bypass_csp=True)  # axe's script is injected
    page = context.new_page()
    try:
        _signed_in(page, server, ADMIN)
        page.goto(f"{server.endpoint}/console/roles/{name}")
        page.click("#edit-role")
        assert axe(page, axe_script) == []
        page.fill("#f-description", "Reads the <b>reports</b>")
        page.select_option("#f-hours", "2")
        page.click("#save-role")
        page.wait_for_url(f"**/console/roles/{name}?done=saved")
        assert "Reads the <b>reports</b>" in page.get_by_role("table", name="Summary").inner_text()
        role = iam.get_role(RoleName=name)["Role"]
        assert (role["Description"], role["MaxSessionDuration"]) == (
            "Reads the <b>reports</b>",
            7200,
        )

        page.click("#edit-role")
        page.select_option("#f-hours", "custom")
        page.fill("#f-custom_seconds", "50000")  # past AWS's 12 hours
        with page.expect_navigation() as navigation:
            page.click("#save-role")
        assert navigation.value is not None and navigation.value.status == 400
        error = page.locator(".error").inner_text()
        assert "ValidationError" in error and "43200" in error
        assert page.input_value("#f-custom_seconds") == "50000"  # the form keeps what was typed
        assert iam.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 7200
    finally:
        context.close()


def test_ec2_role_gets_its_profile_and_delete_cleans_everything(
    browser: Browser, server: Server, axe_script: Path
) -> None:
    """The wizard's EC2 role has an instance profile of its name; deleting it (confirmed by
    its name) removes the profile, its inline and managed policies; two roles selected in
    the roles list are deleted together (confirmed by "delete")."""
    iam = server.client("iam")
    tag = uuid.uuid4().hex[:8]
    name = f"ec2-{tag}"
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        _signed_in(page, server, ADMIN)
        page.goto(f"{server.endpoint}/console/create-role")
        page.check("#e-service")
        page.fill("#f-service", "ec2.amazonaws.com")
        page.fill("#f-name", name)
        page.fill("#f-policy_arn", READ_ONLY)
        page.click("#wizard button[type=submit]")
        page.wait_for_url(f"**/console/roles/{name}")
        profiles = iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
        assert [p["InstanceProfileName"] for p in profiles] == [name]
        listed = page.get_by_role("table", name="Instance profiles").inner_text()
        assert profiles[0]["Arn"] in listed
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=_INLINE)

        page.click("#delete-role")
        assert axe(page, axe_script) == []
        page.fill("#f-confirm", "not the name")
        page.click("#confirm-delete")
        assert f"Enter {name} to confirm" in page.locator(".error").inner_text()
        assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
        page.fill("#f-confirm", name)
        page.click("#confirm-delete")
        report = page.locator("section.deleted-role").inner_text()
        for step in (
            f"Removed the role from instance profile {name}",
            f"Deleted instance profile {name}",
            "Deleted inline policy inline",
            f"Detached managed policy {READ_ONLY}",
            f"Deleted role {name}",
        ):
            assert step in report
        _gone(server, name)
        with pytest.raises(ClientError) as caught:
            iam.get_instance_profile(InstanceProfileName=name)
        assert caught.value.response["Error"]["Code"] == "NoSuchEntity"

        pair = [f"pair-{tag}-a", f"pair-{tag}-b"]
        for role in pair:
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust(ROOT))
        page.goto(f"{server.endpoint}/console/roles?q=pair-{tag}")
        for role in pair:
            page.check(f"input[aria-label='Select {role}']")
        page.click("#delete-selected")
        page.fill("#f-confirm", "delete")
        page.click("#confirm-delete")
        assert page.locator("section.deleted-role").count() == 2
        for role in pair:
            _gone(server, role)
    finally:
        context.close()


def test_delete_refused_midway_is_explained_with_what_was_done(page: Page, server: Server) -> None:
    """A user denied iam:DeleteRole: the clean-up steps run, DeleteRole is refused with the
    explanation, and the page reports what was done before."""
    iam = server.client("iam")
    name = f"keep-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(ROOT))
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=_INLINE)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    user = _signed_in(page, server, ADMIN)
    deny = {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "*"}
    iam.put_user_policy(
        UserName=user,
        PolicyName="no-delete",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )
    page.goto(f"{server.endpoint}/console/delete-roles?r0={name}")
    page.fill("#f-confirm", name)
    with page.expect_navigation() as navigation:
        page.click("#confirm-delete")
    assert navigation.value is not None and navigation.value.status == 403
    report = page.locator("section.deleted-role").inner_text()
    assert "Deleted instance profile" in report and "Deleted inline policy inline" in report
    error = page.locator(".error").inner_text()
    assert "AccessDenied" in error and "iam:DeleteRole" in error
    assert "A Deny statement in an identity-based policy matched this request" in error
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    assert iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"] == []

    # a profile of another name: the console stops before any change, as AWS's does
    iam.create_instance_profile(InstanceProfileName=f"other-{name}")
    iam.add_role_to_instance_profile(InstanceProfileName=f"other-{name}", RoleName=name)
    iam.attach_role_policy(RoleName=name, PolicyArn=READ_ONLY)
    page.goto(f"{server.endpoint}/console/delete-roles?r0={name}")
    page.fill("#f-confirm", name)
    page.click("#confirm-delete")
    assert page.locator("section.deleted-role ul.steps li").count() == 0  # nothing done
    error = page.locator(".error").inner_text()
    assert "DeleteConflict" in error and f"another name (other-{name})" in error
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY]


def test_service_linked_role_create_locked_and_delete(
    browser: Browser, server: Server, axe_script: Path
) -> None:
    iam = server.client("iam")
    suffix = uuid.uuid4().hex[:8]
    name = f"AWSServiceRoleForAutoScaling_{suffix}"
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        _signed_in(page, server, ADMIN)
        page.goto(f"{server.endpoint}/console/create-role")
        page.check("#e-service")
        page.select_option("#f-linked", "elasticbeanstalk.amazonaws.com")
        page.fill("#f-custom_suffix", suffix)  # not allowed for this service
        page.click("#wizard button[type=submit]")
        error = page.locator(".error").inner_text()
        assert "InvalidInput" in error and "elasticbeanstalk.amazonaws.com" in error
        assert axe(page, axe_script) == []

        page.select_option("#f-linked", "autoscaling.amazonaws.com")
        page.fill("#f-custom_suffix", suffix)
        page.click("#wizard button[type=submit]")
        page.wait_for_url(f"**/console/roles/{name}")
        role = iam.get_role(RoleName=name)["Role"]
        assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
        assert "service-linked role" in page.locator(".notice").inner_text()
        assert page.locator("#attach, #add-inline, #set-boundary, #revoke").count() == 0
        assert page.locator("text=Edit trust policy").count() == 0
        assert axe(page, axe_script) == []

        page.click("#edit-role")  # its description only (UpdateRoleDescription)
        assert page.locator("#f-hours").count() == 0
        page.fill("#f-description", "Scales my fleet")
        page.click("#save-role")
        page.wait_for_url(f"**/console/roles/{name}?done=saved")
        assert iam.get_role(RoleName=name)["Role"]["Description"] == "Scales my fleet"

        page.goto(f"{server.endpoint}/console/roles/{name}/trust")  # AWS would refuse
        page.click(".policy-form button[type=submit]")
        assert "UnmodifiableEntity" in page.locator(".error").inner_text()

        page.goto(f"{server.endpoint}/console/roles/{name}")
        page.click("#delete-role")
        page.fill("#f-confirm", name)
        page.click("#confirm-delete")
        report = page.locator("section.deleted-role").inner_text()
        assert "DeleteServiceLinkedRole: deletion task" in report
        assert "Deletion status: SUCCEEDED" in report
        _gone(server, name)
    finally:
        context.close()


def test_service_linked_role_still_in_use_shows_why(
    page: Page,
    catalog_server: CatalogServer,  # noqa: F811 (the fixture imported above)
) -> None:
    """The operator's catalogue says the service still uses its role: the deletion task
    FAILED, and the page shows the reason with the regions and resources."""
    iam = catalog_server.client("iam")
    assert catalog_server.catalog is not None
    iam.create_service_linked_role(AWSServiceName="widgets.example.com")
    widget = f"arn:aws:widgets:us-east-1:{ACCOUNT_ID}:widget/w-1"
    write_catalog(catalog_server.catalog, [{"Region": "us-east-1", "Resources": [widget]}])
    _signed_in(page, catalog_server, ADMIN)
    page.goto(f"{catalog_server.endpoint}/console/delete-roles?r0=AWSServiceRoleForWidgets")
    page.fill("#f-confirm", "AWSServiceRoleForWidgets")
    page.click("#confirm-delete")
    report = page.locator("section.deleted-role").inner_text()
    assert "Deletion status: FAILED. Reason: " in report
    assert f"(us-east-1: {widget})" in report
    assert iam.get_role(RoleName="AWSServiceRoleForWidgets")["Role"]["Path"].startswith(
        "/aws-service-role/"
    )
