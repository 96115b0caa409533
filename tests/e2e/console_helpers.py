"""Shared by the console's browser tests: Debian's Chromium through Playwright, axe-core from
npm, signing in, and screenshots (``ROLEGATE_CONSOLE_SCREENSHOTS=DIR``)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from harness import ACCOUNT_ID, Server

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[1] / "js-console"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SHOTS = os.environ.get("ROLEGATE_CONSOLE_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core from npm: ``npm ci`` once per package-lock.json, under a lock (xdist workers
    share the directory)."""
    lock_text = (AXE / "package-lock.json").read_bytes()
    stamp = AXE / "node_modules" / ".rolegate-installed"
    wanted = hashlib.sha256(lock_text).hexdigest()
    with open(AXE / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text() == wanted):
            done = subprocess.run(
                [shutil.which("npm") or "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"],
                cwd=AXE,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
            stamp.write_text(wanted)
    return AXE / "node_modules" / "axe-core" / "axe.min.js"


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def new_user(server: Server, *policies: str, reset: bool = False) -> tuple[str, str]:
    iam = server.client("iam")
    name = f"console-{uuid.uuid4().hex[:8]}"
    password = f"Pw-{uuid.uuid4().hex}"
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=password, PasswordResetRequired=reset)
    for arn in policies:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    return name, password


def sign_in(page: Page, server: Server, user: str, password: str) -> None:
    page.goto(f"{server.endpoint}/console/")
    assert page.url.endswith("/console/signin")
    page.fill("#f-account", ACCOUNT_ID)
    page.fill("#f-user", user)
    page.fill("#f-password", password)
    page.click("button[type=submit]")


def trust(principal_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def axe(page: Page, script: Path) -> list[str]:
    page.add_script_tag(path=str(script))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
    )
    assert len(result["passes"]) > 10  # the rules ran
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]
