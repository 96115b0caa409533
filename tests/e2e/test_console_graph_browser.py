"""The console's access graph page in a real browser (Debian's Chromium, Playwright) against a
real ``rolegate serve`` on both backends: a two-account chain drawn, a node selected (mouse and
keyboard), a path explained step by step, the refusal explained, axe-core clean."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from console_helpers import ADMIN, axe, new_user, shot, sign_in
from playwright.sync_api import Browser, Page

from harness import ACCOUNT_ID, Server


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def _assume(*resources: str) -> str:
    return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(resources)})


def _trust(principal: str) -> str:
    return _doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def _chain(server: Server) -> dict[str, str]:
    """dev may assume deploy, deploy may assume chain (same account) and partner (another
    account, which trusts this one)."""
    tag = uuid.uuid4().hex[:6]
    created = server.admin("account", "create")
    assert created.returncode == 0, created.stderr
    other = json.loads(created.stdout)
    partner_iam = server.client("iam", other["AccessKeyId"], other["SecretAccessKey"])
    arns = {
        "dev": f"arn:aws:iam::{ACCOUNT_ID}:user/dev-{tag}",
        "deploy": f"arn:aws:iam::{ACCOUNT_ID}:role/deploy-{tag}",
        "chain": f"arn:aws:iam::{ACCOUNT_ID}:role/chain-{tag}",
        "partner": f"arn:aws:iam::{other['AccountId']}:role/partner-{tag}",
    }
    iam = server.client("iam")
    iam.create_user(UserName=f"dev-{tag}")
    iam.put_user_policy(
        UserName=f"dev-{tag}", PolicyName="p", PolicyDocument=_assume(arns["deploy"])
    )
    iam.create_role(RoleName=f"deploy-{tag}", AssumeRolePolicyDocument=_trust(ACCOUNT_ID))
    iam.put_role_policy(
        RoleName=f"deploy-{tag}",
        PolicyName="p",
        PolicyDocument=_assume(arns["chain"], arns["partner"]),
    )
    iam.create_role(RoleName=f"chain-{tag}", AssumeRolePolicyDocument=_trust(arns["deploy"]))
    partner_iam.create_role(RoleName=f"partner-{tag}", AssumeRolePolicyDocument=_trust(ACCOUNT_ID))
    return arns


def _node(on: Page, arn: str) -> Any:
    return on.locator(f'#access-graph g.node[data-id="{arn}"]')


def test_access_graph_of_a_two_account_chain(page: Page, server: Server) -> None:
    arns = _chain(server)
    user, password = new_user(server, ADMIN)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    page.click("nav >> text=Access graph")
    assert page.locator("h1").inner_text() == "Access graph"
    # selecting dev: everything it reaches, across the chain and into the other account
    _node(page, arns["dev"]).click()
    for name in ("deploy", "chain", "partner"):
        assert "reach" in (_node(page, arns[name]).get_attribute("class") or "").split()
    assert _node(page, arns["dev"]).get_attribute("aria-pressed") == "true"
    status = page.locator("#graph-status").inner_text()
    assert status.startswith(f"user dev-{arns['dev'][-6:]} can reach 3:")
    # the keyboard: chain is reached by deploy and dev (and the admin, whose policy allows all)
    _node(page, arns["chain"]).focus()
    page.keyboard.press("Enter")
    for name in ("dev", "deploy"):
        assert "reached-by" in (_node(page, arns[name]).get_attribute("class") or "").split()
    assert "reach" not in (_node(page, arns["dev"]).get_attribute("class") or "").split()
    # a path explained step by step
    page.select_option("#from", arns["dev"])
    page.select_option("#to", arns["chain"])
    page.click("#path-form button[type=submit]")
    paths = page.locator("#paths").inner_text()
    tag = arns["dev"][-6:]
    assert f"Path 1: user dev-{tag} → role deploy-{tag} → role chain-{tag}" in paths
    assert f"(trust policy of {arns['chain']}, line 4, column 5)" in paths
    assert f"(inline policy p of {arns['deploy']}, line 4, column 5)" in paths
    assert page.locator("#access-graph .edge.on-path").count() == 2
    shot(page, "graph")
    # the other account's role, decided on this side: in the table for screen readers, paged
    # (the shared server's other tests add edges): followed by its "Next edges" links
    rows = _edge_table(page)
    assert f"role deploy-{tag}\trole partner-{tag} (" in rows
    assert "allowed here; the other account must allow too" in rows


def _edge_table(on: Page) -> str:
    """Every page of the edges' table, as text."""
    pages = [on.get_by_role("table", name="Who can assume which role").inner_text()]
    while on.locator("#edges-pages a[rel=next]").count():
        on.click("#edges-pages a[rel=next]")
        pages.append(on.get_by_role("table", name="Who can assume which role").inner_text())
    return "\n".join(pages)


def test_no_path_and_no_permission_are_explained(page: Page, server: Server) -> None:
    arns = _chain(server)
    user, password = new_user(server, ADMIN)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    query = f"from={arns['chain']}&to={arns['deploy']}"
    page.goto(f"{server.endpoint}/console/graph?{query}")
    paths = page.locator("#paths").inner_text()
    assert "No path from role chain-" in paths
    assert "No identity-based policy allows it." in paths
    # a user who may not read the account's details gets the refusal, explained
    page.click("text=Sign out")
    bare, bare_password = new_user(server)
    sign_in(page, server, bare, bare_password)
    page.wait_for_url("**/console/")
    page.goto(f"{server.endpoint}/console/graph")
    error = page.locator(".error").inner_text()
    assert "AccessDenied" in error and "iam:GetAccountAuthorizationDetails" in error
    assert "No identity-based policy" in error


def test_access_graph_passes_axe(browser: Browser, server: Server, axe_script: Path) -> None:
    arns = _chain(server)
    user, password = new_user(server, ADMIN)
    context = browser.new_context(bypass_csp=True)
    checked = context.new_page()
    try:
        sign_in(checked, server, user, password)
        checked.wait_for_url("**/console/")
        checked.goto(f"{server.endpoint}/console/graph?from={arns['dev']}&to={arns['chain']}")
        _node(checked, arns["deploy"]).click()
        assert axe(checked, axe_script) == []
    finally:
        context.close()
