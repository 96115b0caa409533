"""Editing in the console, in Debian's Chromium: managed policies and their versions, attaching
and inline policies, tags, and a user's page (groups, access keys, virtual MFA, password)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pyotp
from console_helpers import ADMIN, axe, new_user, shot, sign_in, trust
from playwright.sync_api import Browser, Page

from harness import ACCOUNT_ID, Server


def _policy(*actions: str, principal: bool = False) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    if principal:
        statement = {"Effect": "Allow", "Principal": "*", **statement}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def _admin(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")


def test_create_policy_new_version_default_and_delete(page: Page, server: Server) -> None:
    iam = server.client("iam")
    name = f"edit-{uuid.uuid4().hex[:8]}"
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}"
    _admin(page, server)
    page.goto(f"{server.endpoint}/console/policies")
    page.click("text=Create policy")
    page.fill("#f-name", name)
    page.fill("#policy", _policy("s3:GetObject", principal=True))
    finding = page.wait_for_selector("#findings li.finding >> text=should not specify")
    assert finding is not None and finding.get_attribute("data-line") == "4"
    assert "Policy document should not specify a principal." in finding.inner_text()
    shot(page, "create-policy")
    page.fill("#policy", _policy("s3:GetObject"))
    page.wait_for_selector("#findings .ok")
    page.click(".policy-form button[type=submit]")
    page.wait_for_url("**/console/policies/**")
    assert "Created." in page.locator(".notice").inner_text()
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"

    page.click("#edit")
    page.fill("#policy", _policy("s3:GetObject", "s3:PutObject"))
    page.wait_for_selector("#findings .ok")
    assert page.is_checked("#f-set_default")
    page.click(".policy-form button[type=submit]")
    page.wait_for_url("**/console/policies/**")
    assert "s3:PutObject" in page.locator("#policy-document").inner_text()
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    shot(page, "policy-versions")

    page.click("button[aria-label='Set v1 as default']")
    assert "The default version was changed." in page.locator(".notice").inner_text()
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    page.click("button[aria-label='Delete version v2']")
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]
    page.click("section[aria-labelledby=h-delete] button")
    page.wait_for_url("**/console/policies?done=deleted")
    assert name not in page.get_by_role("table", name="Policies").inner_text()


def test_a_refused_version_is_shown_with_aws_answer(page: Page, server: Server) -> None:
    """A sixth version: AWS's LimitExceeded, on the editor with the text kept."""
    iam = server.client("iam")
    name = f"five-{uuid.uuid4().hex[:8]}"
    arn = iam.create_policy(PolicyName=name, PolicyDocument=_policy("s3:GetObject"))["Policy"][
        "Arn"
    ]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=_policy("s3:GetObject"))
    _admin(page, server)
    page.goto(f"{server.endpoint}/console/policy/edit?arn={arn}")
    page.fill("#policy", _policy("s3:ListBucket"))
    page.click(".policy-form button[type=submit]")
    error = page.locator(".error").inner_text()
    assert "LimitExceeded" in error
    assert "s3:ListBucket" in page.locator("#policy").input_value()


def test_attach_to_a_role_and_inline_policy_on_a_user(page: Page, server: Server) -> None:
    iam = server.client("iam")
    role = f"att-{uuid.uuid4().hex[:8]}"
    iam.create_role(
        RoleName=role, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT_ID}:root")
    )
    target = f"inl-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=target)
    _admin(page, server)
    page.goto(f"{server.endpoint}/console/roles/{role}")
    page.fill("#f-policy_arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    page.click("#attach")
    assert "The policy was attached." in page.locator(".notice").inner_text()
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["ReadOnlyAccess"]
    page.click("button[aria-label='Detach ReadOnlyAccess']")
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []

    page.goto(f"{server.endpoint}/console/users/{target}")
    page.click("#add-inline")
    page.fill("#f-policy_name", "reader")
    page.fill("#policy", _policy("s3:GetObject", principal=True))
    finding = page.wait_for_selector("#findings li.finding >> text=should not specify")
    assert finding is not None and finding.get_attribute("data-line") == "4"
    page.fill("#policy", _policy("s3:GetObject"))
    page.wait_for_selector("#findings .ok")
    page.click(".policy-form button[type=submit]")
    page.wait_for_url(f"**/console/users/{target}?done=saved")
    assert iam.list_user_policies(UserName=target)["PolicyNames"] == ["reader"]
    assert "Inline policy reader" in page.content()
    page.click("text=Delete reader")
    assert iam.list_user_policies(UserName=target)["PolicyNames"] == []


def test_tags_add_remove_and_the_limit(page: Page, server: Server) -> None:
    iam = server.client("iam")
    role = f"tag-{uuid.uuid4().hex[:8]}"
    iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT_ID}:root"),
        Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)],
    )
    _admin(page, server)
    page.goto(f"{server.endpoint}/console/roles/{role}")
    page.fill("#f-tag_key", "team")
    page.fill("#f-tag_value", "blue@team")
    page.click("#add-tag")
    assert "The tag was added." in page.locator(".notice").inner_text()
    assert {"Key": "team", "Value": "blue@team"} in iam.list_role_tags(RoleName=role)["Tags"]
    assert "blue@team" in page.get_by_role("table", name="Tags").inner_text()
    page.fill("#f-tag_key", "one-too-many")
    page.click("#add-tag")
    error = page.locator(".error").inner_text()
    assert "LimitExceeded: The number of tags has reached the maximum limit." in error
    page.click("text=Back")
    page.click("button[aria-label='Remove tag team']")
    assert "The tag was removed." in page.locator(".notice").inner_text()
    assert all(t["Key"] != "team" for t in iam.list_role_tags(RoleName=role)["Tags"])


def test_user_page_keys_mfa_groups_and_password(page: Page, server: Server) -> None:
    iam = server.client("iam")
    target = f"det-{uuid.uuid4().hex[:8]}"
    group = f"grp-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=target)
    iam.create_group(GroupName=group)
    _admin(page, server)
    page.goto(f"{server.endpoint}/console/users")
    while not page.locator(f"text={target}").count():  # the server's other tests add users
        page.click("#next-page")
    page.click(f"text={target}")
    assert page.locator("h1").inner_text() == f"User {target}"

    page.fill("#f-group", group)
    page.click("#add-group")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=target)["Groups"]] == [group]
    page.click(f"text={group}")
    assert target in page.get_by_role("table", name="Members").inner_text()
    page.click(f"button[aria-label='Remove {target}']")
    assert iam.list_groups_for_user(UserName=target)["Groups"] == []
    page.goto(f"{server.endpoint}/console/users/{target}")

    page.click("#create-key")
    secret = page.locator("#secret-key").inner_text()
    (key,) = iam.list_access_keys(UserName=target)["AccessKeyMetadata"]
    caller = server.client("sts", key_id=key["AccessKeyId"], secret=secret)
    assert caller.get_caller_identity()["Arn"].endswith(f":user/{target}")
    page.click("text=Back to user")
    assert secret not in page.content()  # shown once
    page.click(f"button[aria-label='Deactivate {key['AccessKeyId']}']")
    assert iam.list_access_keys(UserName=target)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    page.click(f"button[aria-label='Activate {key['AccessKeyId']}']")
    assert iam.list_access_keys(UserName=target)["AccessKeyMetadata"][0]["Status"] == "Active"
    page.click(f"button[aria-label='Delete {key['AccessKeyId']}']")
    assert iam.list_access_keys(UserName=target)["AccessKeyMetadata"] == []

    page.click("#create-mfa")
    assert page.locator("#mfa-qr path").count() == 1
    shot(page, "virtual-mfa")
    totp = pyotp.TOTP(page.locator("#mfa-secret").inner_text())
    now = time.time()
    page.fill("#f-code1", totp.at(now - 30))
    page.fill("#f-code2", totp.at(now))
    page.click("#enable-mfa")
    assert "The MFA device is enabled." in page.locator(".notice").inner_text()
    (device,) = iam.list_mfa_devices(UserName=target)["MFADevices"]
    page.click(f"button[aria-label='Deactivate {device['SerialNumber']}']")
    assert iam.list_mfa_devices(UserName=target)["MFADevices"] == []

    page.fill("#f-password", "short")
    page.click("#set-password")
    assert "PasswordPolicyViolation" in page.locator(".error").inner_text()
    page.click("text=Back")
    page.fill("#f-password", f"Pw-{uuid.uuid4().hex}")
    page.check("#f-reset")
    page.click("#set-password")
    assert iam.get_login_profile(UserName=target)["LoginProfile"]["PasswordResetRequired"]
    assert "to be changed at next sign-in" in page.locator("#password-state").inner_text()
    shot(page, "user")
    page.click("text=Remove console access")
    assert "Not set" in page.locator("#password-state").inner_text()


def test_hostile_policy_text_stays_text(page: Page, server: Server) -> None:
    iam = server.client("iam")
    target = f"hostile-{uuid.uuid4().hex[:8]}"
    script = "</textarea><script>window.__pwned = 1</script>"
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:username": script}},
                }
            ],
        },
        indent=2,
    )
    iam.create_user(UserName=target)
    iam.put_user_policy(UserName=target, PolicyName="hostile", PolicyDocument=document)
    _admin(page, server)
    page.goto(f"{server.endpoint}/console/users/{target}")
    assert script in page.locator(".inline-policy pre").inner_text()
    page.click("text=Edit hostile")
    assert script in page.locator("#policy").input_value()
    page.wait_for_selector("#findings .ok")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main script").count() == 0


def test_new_pages_pass_axe(browser: Browser, server: Server, axe_script: Path) -> None:
    iam = server.client("iam")
    target = f"axe-{uuid.uuid4().hex[:8]}"
    group = f"axe-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=target)
    iam.create_group(GroupName=group)
    iam.create_access_key(UserName=target)
    arn = iam.create_policy(PolicyName=target, PolicyDocument=_policy("s3:GetObject"))["Policy"][
        "Arn"
    ]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_policy("s3:PutObject"))
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "b"}])
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        _admin(page, server)
        problems: list[str] = []
        for path in (
            "/console/policies/create",
            f"/console/policies/{arn}",
            f"/console/policy/edit?arn={arn}",
            f"/console/users/{target}",
            f"/console/groups/{group}",
            f"/console/permissions/user/{target}/inline",
        ):
            page.goto(f"{server.endpoint}{path}")
            problems += [f"{path}: {p}" for p in axe(page, axe_script)]
        page.goto(f"{server.endpoint}/console/users/{target}")
        page.click("#create-mfa")
        problems += [f"virtual MFA: {p}" for p in axe(page, axe_script)]
        page.goto(f"{server.endpoint}/console/users/{target}")
        page.click("#create-key")
        problems += [f"new key: {p}" for p in axe(page, axe_script)]
        assert problems == []
    finally:
        context.close()
