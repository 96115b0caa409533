"""The console's Event history in a real browser (Debian's Chromium, Playwright) against a real
``rolegate serve`` on both backends: an action done in the console listed (from the role's
Events link), filtered by event name, its record opened, pages followed with NextToken, the
refusal explained for a user without cloudtrail:LookupEvents, axe-core clean."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from console_helpers import ADMIN, axe, new_user, shot, sign_in, trust
from playwright.sync_api import Browser, Page

from harness import ACCOUNT_ID, Server

ROWS = "table[aria-label=Events] tbody tr"


def _column(page: Page, index: int) -> list[str]:
    return page.locator(f"{ROWS} td:nth-child({index})").all_inner_texts()


def _until_listed(page: Page, url: str, wanted: int, *, next_page: bool = False) -> None:
    """Reloads ``url`` until it lists ``wanted`` rows (and, with ``next_page``, links a next
    page): the audit writer records reads after the answer (docs/audit.md), in batches, so a
    full page may be listed before the rest of the events are stored."""
    for _ in range(50):
        page.goto(url)
        listed = page.locator(ROWS).count() >= wanted
        if listed and (not next_page or page.locator("#next-page").count()):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{url} never listed {wanted} events")


def test_event_history(browser: Browser, server: Server, axe_script: Path) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    try:
        _history(context.new_page(), server, axe_script)
    finally:
        context.close()


def _history(page: Page, server: Server, axe_script: Path) -> None:
    role = f"audited-{uuid.uuid4().hex[:8]}"
    server.client("iam").create_role(RoleName=role, AssumeRolePolicyDocument=trust(ACCOUNT_ID))
    user, password = new_user(server, ADMIN)
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    # an action done in the console, then the role's Events link
    page.goto(f"{server.endpoint}/console/roles/{role}")
    page.click("#revoke")
    page.click("#role-events")
    assert "key=ResourceName" in page.url and f"value={role}" in page.url
    _until_listed(page, page.url, 1)
    assert "PutRolePolicy" in _column(page, 2)
    assert set(_column(page, 5)) == {role}
    shot(page, "event-history")
    assert axe(page, axe_script) == []
    # filter by event name: the revoke, by this user, newest first
    page.select_option("#key", "EventName")
    page.fill("#value", "PutRolePolicy")
    page.click("form[role=search] button[type=submit]")
    names = _column(page, 2)
    assert names and set(names) == {"PutRolePolicy"}
    assert _column(page, 3)[0] == user
    # its record: CloudTrail's JSON, escaped and indented
    page.locator(f"{ROWS} td:first-child a").first.click()
    record = json.loads(page.locator("#event-record").inner_text())
    assert record["eventName"] == "PutRolePolicy"
    assert record["requestParameters"]["roleName"] == role
    assert record["userIdentity"]["arn"].endswith(f":user/{user}")
    assert record["userAgent"] == "console.amazonaws.com"  # as CloudTrail names the console
    shot(page, "event")
    assert axe(page, axe_script) == []
    # paging with NextToken: 30 GetRole calls are more than one page of 25
    iam = server.client("iam")
    for _ in range(30):
        iam.get_role(RoleName=role)
    url = f"{server.endpoint}/console/events?key=EventName&value=GetRole"
    _until_listed(page, url, 25, next_page=True)
    first = page.locator(f"{ROWS} td:first-child a").evaluate_all("a => a.map(x => x.href)")
    page.click("#next-page")
    second = page.locator(f"{ROWS} td:first-child a").evaluate_all("a => a.map(x => x.href)")
    assert len(first) == 25 and second and not set(first) & set(second)
    assert set(_column(page, 2)) == {"GetRole"}
    # a token edited in the address bar: CloudTrail's error, shown
    page.goto(page.url.replace("token=", "token=x"))
    assert "InvalidNextTokenException" in page.locator("div.error").inner_text()


def test_event_history_refused_explained(page: Page, server: Server) -> None:
    user, password = new_user(server)  # no policy: no cloudtrail:LookupEvents
    sign_in(page, server, user, password)
    page.wait_for_url("**/console/")
    page.click("nav >> text=Event history")
    error = page.locator("div.error").inner_text()
    assert "AccessDeniedException" in error and "cloudtrail:LookupEvents" in error
    assert "No identity-based policy" in error
    assert page.locator(ROWS).count() == 0
