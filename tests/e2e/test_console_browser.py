"""The web console in a real browser: Debian's Chromium driven by Playwright, against a real
``rolegate serve`` on both backends (one server and one browser per module: they are costly).

Set ``ROLEGATE_CONSOLE_SCREENSHOTS=DIR`` to save the main pages' screenshots there
(docs/console/ holds the ones the README shows).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from botocore.exceptions import ClientError
from console_helpers import ADMIN, axe, new_user, shot, sign_in, trust
from playwright.sync_api import Browser, Page

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server


def test_sign_in_with_password_shows_dashboard(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert f"arn:aws:iam::{ACCOUNT_ID}:user/{user}" in page.content()
    assert page.get_by_role("table", name="Account summary").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "rolegate-console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
    shot(page, "dashboard")


def test_wrong_password_is_refused_then_throttled(page: Page, server: Server) -> None:
    user, _ = new_user(server)
    for _ in range(5):
        sign_in(page, server, user, "wrong")
        assert "Your authentication information is incorrect" in page.content()
    sign_in(page, server, user, "wrong")
    assert "Too many failed sign-in attempts" in page.content()


def enable_mfa(server: Server, user: str) -> pyotp.TOTP:
    iam = server.client("iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user}-mfa")["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode("ascii"))
    now = time.time()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    return totp


def allow_own_password_change(server: Server, user: str) -> None:
    own = f"arn:aws:iam::{ACCOUNT_ID}:user/{user}"
    server.client("iam").put_user_policy(
        UserName=user,
        PolicyName="change-own-password",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": own}],
            }
        ),
    )


def test_sign_in_with_mfa(page: Page, server: Server) -> None:
    user, password = new_user(server)
    totp = enable_mfa(server, user)
    sign_in(page, server, user, password)
    assert page.locator("h1").inner_text() == "Multi-factor authentication"
    page.fill("#f-code", "000000" if totp.now() != "000000" else "111111")
    page.click("button[type=submit]")
    assert "Your authentication information is incorrect" in page.content()
    page.fill("#f-code", totp.at(time.time() + 30))  # the next step: never used before
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == "Dashboard"


def test_password_reset_required_forces_a_change(page: Page, server: Server) -> None:
    user, password = new_user(server, reset=True)
    allow_own_password_change(server, user)
    sign_in(page, server, user, password)
    assert page.locator("h1").inner_text() == "Change password"
    new = f"New-{uuid.uuid4().hex}"
    page.fill("#f-old", password)
    page.fill("#f-new", new)
    page.fill("#f-confirm", new)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    page.context.clear_cookies()
    sign_in(page, server, user, new)
    page.wait_for_url("**/console/")


def test_mfa_comes_before_a_required_password_change(page: Page, server: Server) -> None:
    user, password = new_user(server, reset=True)
    allow_own_password_change(server, user)
    totp = enable_mfa(server, user)
    sign_in(page, server, user, password)
    assert page.locator("h1").inner_text() == "Multi-factor authentication"
    page.fill("#f-code", totp.at(time.time() + 30))
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Change password"


def test_root_sign_in_and_wizard_for_service_and_account(page: Page, server: Server) -> None:
    page.goto(f"{server.endpoint}/console/signin/root")
    page.fill("#f-access_key_id", ROOT_KEY_ID)
    page.fill("#f-secret_access_key", ROOT_SECRET)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    assert f"arn:aws:iam::{ACCOUNT_ID}:root" in page.content()
    iam = server.client("iam")

    service_role = f"svc-{uuid.uuid4().hex[:8]}"
    page.goto(f"{server.endpoint}/console/create-role")
    page.check("#e-service")
    page.fill("#f-service", "ec2.amazonaws.com")
    page.fill("#f-name", service_role)
    shot(page, "create-role")
    page.click("#wizard button[type=submit]")
    page.wait_for_url(f"**/console/roles/{service_role}")
    trust = iam.get_role(RoleName=service_role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}

    account_role = f"acct-{uuid.uuid4().hex[:8]}"
    page.goto(f"{server.endpoint}/console/create-role")
    page.check("#e-account")
    page.fill("#f-account", "111122223333")
    page.fill("#f-external_id", "ext-42")
    page.check("#f-mfa")
    page.fill("#f-name", account_role)
    page.click("#wizard button[type=submit]")
    page.wait_for_url(f"**/console/roles/{account_role}")
    statement = iam.get_role(RoleName=account_role)["Role"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "ext-42"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }
    shot(page, "role")

    web_role = f"web-{uuid.uuid4().hex[:8]}"
    page.goto(f"{server.endpoint}/console/create-role")
    page.check("#e-web")
    assert page.locator("fieldset[data-entity=service]").is_hidden()
    page.fill("#f-provider", "accounts.google.com")
    page.fill("#f-audience", "my-app")
    page.fill("#f-name", web_role)
    page.click("#wizard button[type=submit]")
    page.wait_for_url(f"**/console/roles/{web_role}")
    statement = iam.get_role(RoleName=web_role)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {"accounts.google.com:aud": "my-app"}}

    page.goto(f"{server.endpoint}/console/roles?type=web")
    listed = page.get_by_role("table", name="Roles").inner_text()
    assert web_role in listed and "Web identity: accounts.google.com" in listed
    assert service_role not in listed and account_role not in listed
    page.goto(f"{server.endpoint}/console/roles")
    shot(page, "roles")


def test_trust_policy_error_is_flagged_at_its_line(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    role = f"trust-{uuid.uuid4().hex[:8]}"
    server.client("iam").create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    sign_in(page, server, user, password)
    page.goto(f"{server.endpoint}/console/roles/{role}/trust")
    page.wait_for_selector("#findings .ok")
    bad = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
        '      "Principal": {"Service": "ec2.amazonaws.com"},\n      "Action": "sts:AssumeRole",\n'
        '      "Resource": "*"\n    }\n  ]\n}'
    )
    page.fill("#policy", bad)
    finding = page.wait_for_selector("#findings li.finding")
    assert finding is not None
    assert finding.get_attribute("data-line") == "4"  # the statement that holds the field
    assert "Has prohibited field Resource" in finding.inner_text()
    shot(page, "trust-policy")
    broken = bad.replace('"ec2.amazonaws.com"},', '"ec2.amazonaws.com"}')  # no comma: line 6 ends
    page.fill("#policy", broken)
    page.wait_for_selector("#findings li.finding >> text=invalid Json")
    finding = page.wait_for_selector("#findings li.finding")
    assert finding is not None and finding.get_attribute("data-line") == "7"
    assert finding.inner_text().startswith("Line 7, column 7: This policy contains invalid Json")
    page.fill("#policy", bad)
    page.wait_for_selector("#findings li.finding >> text=prohibited field")
    page.click(".policy-form button[type=submit]")
    assert "MalformedPolicyDocument" in page.locator(".error").inner_text()


def test_switch_role_refused_with_explanation_then_allowed(page: Page, server: Server) -> None:
    user, password = new_user(server)
    iam = server.client("iam")
    user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{user}"
    refused = f"nobody-{uuid.uuid4().hex[:8]}"
    iam.create_role(
        RoleName=refused, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT_ID}:root")
    )
    iam.put_user_policy(  # the console simulates the refused AssumeRole to say which side
        UserName=user,
        PolicyName="simulate-self",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:SimulatePrincipalPolicy",
                        "Resource": user_arn,
                    }
                ],
            }
        ),
    )
    allowed = f"reader-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=allowed, AssumeRolePolicyDocument=trust(user_arn))
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    # the user has no policy: the dashboard's calls are refused, and explained
    assert "No identity-based policy" in page.locator(".error").inner_text()

    page.goto(f"{server.endpoint}/console/switch-role")
    page.fill("#f-role", refused)
    page.click("main form button[type=submit]")
    error = page.locator(".error").inner_text()
    assert "AccessDenied" in error and "sts:AssumeRole" in error
    assert "trust policy does not name you" in error
    assert "Simulated: no identity-based policy of yours allows sts:AssumeRole" in error
    shot(page, "switch-role-refused")

    page.fill("#f-role", allowed)
    page.fill("#f-display", "Reader <b>")
    page.select_option("#f-color", "green")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/console/")
    shot(page, "switched-role")
    banner = page.locator("#role-banner")
    assert banner.inner_text().startswith("Reader <b> (")
    assert "role-green" in (banner.get_attribute("class") or "")
    # the sealed cookie holds both sessions' credentials and stays well under the 4 KiB that
    # browsers keep per cookie
    cookie = next(c for c in page.context.cookies() if c["name"] == "rolegate-console")
    assert len(cookie["value"]) < 3500
    page.click("text=Back to")
    page.wait_for_url("**/console/")
    assert page.locator("#role-banner").count() == 0
    page.goto(f"{server.endpoint}/console/switch-role")
    assert page.locator("#recent-roles button").inner_text() == "Reader <b>"


def test_revoke_sessions_refuses_older_sessions(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    iam = server.client("iam")
    role = f"revoke-{uuid.uuid4().hex[:8]}"
    iam.create_role(
        RoleName=role, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT_ID}:root")
    )
    iam.attach_role_policy(RoleName=role, PolicyArn=ADMIN)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    caller = server.client("sts", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    creds = caller.assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", RoleSessionName="old"
    )["Credentials"]
    old = server.client(
        "iam",
        key_id=creds["AccessKeyId"],
        secret=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    old.list_roles()
    time.sleep(1.1)  # aws:TokenIssueTime is to the millisecond, the policy's time to the second
    sign_in(page, server, user, password)
    page.goto(f"{server.endpoint}/console/roles/{role}")
    page.click("#revoke")
    assert "Active sessions issued before now are revoked" in page.content()
    assert iam.get_role_policy(RoleName=role, PolicyName="AWSRevokeOlderSessions")
    with pytest.raises(ClientError) as refused:
        old.list_roles()
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_simulator_page(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    limited, _ = new_user(server)
    sign_in(page, server, user, password)
    page.goto(f"{server.endpoint}/console/simulator")
    page.fill("#f-source", f"arn:aws:iam::{ACCOUNT_ID}:user/{limited}")
    page.fill("#f-actions", "iam:CreateRole sts:GetCallerIdentity")
    page.click("main form button[type=submit]")
    table = page.get_by_role("table", name="Simulation results")
    assert "iam:CreateRole" in table.inner_text() and "implicitDeny" in table.inner_text()
    shot(page, "simulator")


def test_hostile_strings_are_inert(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    role = f"hostile-{uuid.uuid4().hex[:8]}"
    script = "<script>window.__pwned = 1</script>"
    server.client("iam").create_role(
        RoleName=role,
        Description=f"{script}<img src=x onerror=window.__pwned=2>",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": script}},
                    }
                ],
            }
        ),
    )
    dialogs: list[Any] = []
    page.on("dialog", lambda d: dialogs.append(d))
    sign_in(page, server, user, password)
    page.goto(f"{server.endpoint}/console/roles/{role}")
    assert script in page.get_by_role("table", name="Summary").inner_text()
    assert script in page.locator("#trust-policy").inner_text()
    page.goto(f"{server.endpoint}/console/roles?q={role}")
    assert script in page.get_by_role("table", name="Roles").inner_text()
    assert page.evaluate("window.__pwned") is None and not dialogs
    assert page.locator("main script, main img").count() == 0


def test_sign_out_ends_the_session_and_cross_site_posts_are_refused(
    page: Page, server: Server
) -> None:
    user, password = new_user(server, ADMIN)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    response = page.request.get(f"{server.endpoint}/console/")
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    cookie = next(c for c in page.context.cookies() if c["name"] == "rolegate-console")
    jar = {"rolegate-console": cookie["value"]}
    with httpx.Client(base_url=server.endpoint, cookies=jar) as client:
        assert client.get("/console/roles").status_code == 200
        forged = client.post(
            "/console/create-role",
            data={"entity": "service", "service": "ec2.amazonaws.com", "name": "forged"},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        no_token = client.post("/console/create-role", data={"entity": "service", "name": "forged"})
        assert no_token.status_code == 403
    page.click("text=Sign out")
    page.wait_for_url("**/console/signin")
    with httpx.Client(base_url=server.endpoint, cookies=jar) as client:
        replay = client.get("/console/roles")
        assert replay.status_code == 303 and replay.headers["location"] == "/console/signin"


def test_pages_pass_axe_accessibility_checks(
    browser: Browser, server: Server, axe_script: Path
) -> None:
    """axe-core's WCAG 2 A/AA rules on every main page (the script is injected, so this one
    context bypasses the CSP; the pages themselves are unchanged)."""
    user, password = new_user(server, ADMIN)
    role = f"axe-{uuid.uuid4().hex[:8]}"
    server.client("iam").create_role(
        RoleName=role, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT_ID}:root")
    )
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{server.endpoint}/console/signin")
        problems = axe(page, axe_script)
        sign_in(page, server, user, password)
        page.wait_for_url("**/console/")
        for path in (
            "/console/",
            "/console/roles",
            f"/console/roles/{role}",
            f"/console/roles/{role}/trust",
            "/console/create-role",
            "/console/switch-role",
            "/console/simulator",
            "/console/policies",
            "/console/users",
            "/console/groups",
            "/console/providers",
            "/console/policies/arn:aws:iam::aws:policy/AdministratorAccess",
        ):
            page.goto(f"{server.endpoint}{path}")
            problems += [f"{path}: {p}" for p in axe(page, axe_script)]
        assert problems == []
    finally:
        context.close()


def test_policies_users_groups_and_providers_pages(page: Page, server: Server) -> None:
    user, password = new_user(server, ADMIN)
    iam = server.client("iam")
    name = f"pol-{uuid.uuid4().hex[:8]}"
    arn = iam.create_policy(
        PolicyName=name,
        Description="<script>window.__pwned = 1</script>",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=arn,
        SetAsDefault=True,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}],
            }
        ),
    )
    group = f"grp-{uuid.uuid4().hex[:8]}"
    iam.create_group(GroupName=group)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    page.click("nav >> text=Policies")
    page.click(f"text={name}")
    assert page.locator("h1").inner_text() == f"Policy {name}"
    assert "s3:PutObject" in page.locator("#policy-document").inner_text()
    assert "<script>" in page.get_by_role("table", name="Summary").inner_text()
    page.click("text=v1")
    assert "s3:GetObject" in page.locator("#policy-document").inner_text()
    assert page.evaluate("window.__pwned") is None
    shot(page, "policy")
    page.goto(f"{server.endpoint}/console/policies?scope=AWS")
    assert "AdministratorAccess" in page.get_by_role("table", name="Policies").inner_text()
    page.click("nav >> text=Users")
    assert page.get_by_role("table", name="Users").is_visible()
    page.goto(f"{server.endpoint}/console/groups")
    assert page.get_by_role("table", name="Groups").is_visible()
    page.click("nav >> text=Identity providers")
    assert page.get_by_role("table", name="Identity providers").is_visible()
