"""No secret reaches the server's log, even at debug level: a ``rolegate serve --log-level debug
--log-format json`` process handles requests and answers that carry secret keys, passwords,
session tokens, a SAML assertion and a web identity token, and none of them appears in what it
printed. Its log lines are JSON objects, the request's own line with its id, operation, status
and duration (server.log_format)."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_helpers import allow, document, trust

from harness import ACCOUNT_ID, Server


def _canary(label: str) -> str:
    return f"Canary{label}{secrets.token_hex(8)}"


def test_secrets_never_reach_a_debug_json_log(start_server: Callable[..., Server]) -> None:
    srv = start_server(args=("--log-level", "debug", "--log-format", "json"))
    iam, sts = srv.client("iam"), srv.client("sts")
    canaries: dict[str, str] = {}
    iam.create_user(UserName="logged")
    iam.put_user_policy(
        UserName="logged",
        PolicyName="p",
        PolicyDocument=document(allow(["sts:AssumeRole", "iam:GetUser"])),
    )
    key = iam.create_access_key(UserName="logged")["AccessKey"]
    canaries["secret access key"] = key["SecretAccessKey"]
    canaries["password"] = _canary("Pass1!")
    iam.create_login_profile(UserName="logged", Password=canaries["password"])
    canaries["new password"] = _canary("Pass2!")
    iam.update_login_profile(UserName="logged", Password=canaries["new password"])
    role = iam.create_role(
        RoleName="Logged",
        AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
    )["Role"]
    user_sts = srv.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    assumed = user_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="logged-session")
    session: dict[str, Any] = assumed["Credentials"]
    canaries["session secret"] = session["SecretAccessKey"]
    canaries["session token"] = session["SessionToken"]
    as_session = srv.client(
        "sts",
        session["AccessKeyId"],
        session["SecretAccessKey"],
        aws_session_token=session["SessionToken"],
    )
    as_session.get_caller_identity()
    tokens = sts.get_session_token()["Credentials"]
    canaries["GetSessionToken token"] = tokens["SessionToken"]
    canaries["web identity token"] = _canary("WebIdentity")
    with pytest.raises(ClientError):
        sts.assume_role_with_web_identity(
            RoleArn=role["Arn"],
            RoleSessionName="web",
            WebIdentityToken=f"eyJ{canaries['web identity token']}.eyJ.sig",
        )
    canaries["SAML assertion"] = _canary("Saml")
    assertion = f"<samlp:Response>{canaries['SAML assertion']}</samlp:Response>"
    canaries["SAML assertion, base64"] = base64.b64encode(assertion.encode()).decode()
    with pytest.raises(ClientError):
        sts.assume_role_with_saml(
            RoleArn=role["Arn"],
            PrincipalArn=f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/none",
            SAMLAssertion=canaries["SAML assertion, base64"],
        )
    with pytest.raises(ClientError):  # a wrong secret: the signature check fails
        srv.client("iam", key["AccessKeyId"], canaries["password"]).get_user()

    output = srv.stop()
    for what, canary in canaries.items():
        assert canary not in output, f"the {what} is in the log"
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in logged)
    ends = [line for line in logged if line.get("operation") == "AssumeRole"]
    assert len(ends) == 1
    assert ends[0]["status"] == 200 and ends[0]["duration_ms"] > 0
    assert ends[0]["request_id"] in ends[0]["message"]
    assert any(line["level"] == "DEBUG" for line in logged)  # the level was debug indeed
    others = [line for line in output.splitlines() if not line.startswith("{")]
    assert all(line.startswith("rolegate: ") for line in others), others
