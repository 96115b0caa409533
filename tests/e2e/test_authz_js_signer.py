"""A signer nobody here wrote: the AWS SDK for JavaScript's ``@smithy/signature-v4`` (npm,
pinned by tests/js/package-lock.json) signs requests for a custom service; ``/v1/authorize``
verifies them as it verifies botocore's."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from authz_helpers import WIDGETS, AuthzServer
from sts_helpers import Account, allow, document, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET

JS = Path(__file__).resolve().parents[1] / "js"
NODE = shutil.which("node") or "node"
NPM = shutil.which("npm") or "npm"


@pytest.fixture(scope="session")
def js_signer() -> Path:
    """``npm ci`` once per package-lock.json (offline when npm's cache has the packages), under a
    lock: xdist workers share the directory."""
    lock_text = (JS / "package-lock.json").read_bytes()
    stamp = JS / "node_modules" / ".rolegate-installed"
    wanted = hashlib.sha256(lock_text).hexdigest()
    with open(JS / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text() == wanted):
            done = subprocess.run(
                [NPM, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
                cwd=JS,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
            stamp.write_text(wanted)
    return JS / "sign.mjs"


def js_sign(script: Path, **request: Any) -> dict[str, Any]:
    request.setdefault("region", "us-east-1")
    request.setdefault("service", "widgets")
    request.setdefault("method", "GET")
    done = subprocess.run(
        [NODE, str(script)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=JS,
    )
    assert done.returncode == 0, done.stderr
    signed: dict[str, Any] = json.loads(done.stdout)
    return signed


def ask(
    authz: AuthzServer, signed: dict[str, Any], action: str = "widgets:GetWidget", **extra: Any
) -> dict[str, Any]:
    q = {
        "request": {**signed, **extra},
        "service": "widgets",
        "action": action,
        "resource": f"{WIDGETS}/42",
    }
    status, answer = authz.ask(q)
    assert status == 200, answer
    return answer


def test_requests_signed_by_the_aws_sdk_for_javascript(authz: AuthzServer, js_signer: Path) -> None:
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    user = home.user(document(allow(["widgets:GetWidget", "widgets:PutWidget", "sts:AssumeRole"])))
    keys = {"accessKeyId": user.key_id, "secretAccessKey": user.secret}
    url = "https://widgets.internal/widgets/42?view=full&a=b%20c"
    header_signed = js_sign(js_signer, url=url, **keys)
    assert header_signed["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 ")
    answer = ask(authz, header_signed)
    assert answer["decision"] == "Allow" and answer["principal"]["arn"] == user.arn
    presigned = js_sign(js_signer, url=url, presign=300, **keys)
    assert "X-Amz-Signature=" in presigned["url"]
    assert ask(authz, presigned)["decision"] == "Allow"
    body = '{"color": "red"}'
    put = js_sign(
        js_signer, url="https://widgets.internal/widgets/42", method="PUT", body=body, **keys
    )
    encoded = base64.b64encode(body.encode()).decode()
    assert ask(authz, put, "widgets:PutWidget", body=encoded)["decision"] == "Allow"
    other = base64.b64encode(b"{}").decode()
    assert (
        ask(authz, put, "widgets:PutWidget", body=other)["error"]["code"] == "SignatureDoesNotMatch"
    )
    wrong = js_sign(js_signer, url=url, accessKeyId=user.key_id, secretAccessKey="wrong")
    assert ask(authz, wrong)["error"]["code"] == "SignatureDoesNotMatch"
    # temporary credentials: the session token is signed as X-Amz-Security-Token
    role = home.role(trust({"AWS": user.arn}), document(allow("widgets:GetWidget")))
    credentials = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="js")[
        "Credentials"
    ]
    session = js_sign(
        js_signer,
        url=url,
        accessKeyId=credentials["AccessKeyId"],
        secretAccessKey=credentials["SecretAccessKey"],
        sessionToken=credentials["SessionToken"],
    )
    answer = ask(authz, session)
    assert answer["decision"] == "Allow"
    assert answer["principal"]["arn"].endswith(f":assumed-role/{role['RoleName']}/js")
