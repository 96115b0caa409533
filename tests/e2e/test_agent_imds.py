"""``rolegate agent imds``: unmodified boto3 and AWS CLI processes find the instance role through
their default credential chains (AWS_EC2_METADATA_SERVICE_ENDPOINT), IMDSv2's token rules and
every bad request's answer, refresh ahead of expiry, a revoked session, refused launches, a
server restart; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from agent_helpers import (
    BOTO3_WHOAMI,
    EC2,
    ECS,
    Agent,
    clean_environment,
    cli_role_arn,
    instance_profile,
    launcher,
    run_python,
    service_role,
    wait_for,
)
from sts_helpers import Account, temporary_client
from test_revocation import revoke_older_sessions

from harness import ACCOUNT_ID, REGION, ROOT_KEY_ID, ROOT_SECRET, Server

TOKEN = {"X-aws-ec2-metadata-token-ttl-seconds": "60"}
# One boto3 client used for 8 s while the agent renews every 3 s. botocore keeps instance
# credentials that have less than 12-20 minutes left for that long (its guard against an IMDS
# outage), so with 900 s sessions it may sign with a key the agent has already replaced: every
# call must still succeed, as the replaced session lives until its own expiry.
SDK_ACROSS_REFRESHES = """
import boto3, json, os, time
session = boto3.Session()
sts = session.client("sts", endpoint_url=os.environ["ROLEGATE_URL"])
keys, arns, stop = [], [], time.monotonic() + 8
while time.monotonic() < stop:
    arns.append(sts.get_caller_identity()["Arn"])
    keys.append(session.get_credentials().get_frozen_credentials().access_key)
    time.sleep(0.5)
print(json.dumps({"keys": keys, "arns": arns}))
"""
CREDENTIAL_FIELDS = {
    "Code",
    "LastUpdated",
    "Type",
    "AccessKeyId",
    "SecretAccessKey",
    "Token",
    "Expiration",
}


@pytest.fixture(scope="module")
def instance(
    server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Agent, dict[str, Any], dict[str, Any]]]:
    """One agent per backend for the tests that only read: (agent, role, profile)."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, EC2)
    profile = instance_profile(home, role)
    who = launcher(home, role["Arn"], EC2)
    agent = Agent(
        server,
        who,
        ("imds", "--instance-profile", profile["InstanceProfileName"]),
        tmp_path_factory.mktemp("imds"),
    ).start()
    try:
        yield agent, role, profile
    finally:
        agent.stop()


def program_environment(agent: Agent) -> dict[str, str]:
    return clean_environment(
        agent.home,
        AWS_EC2_METADATA_SERVICE_ENDPOINT=agent.url,
        AWS_EC2_METADATA_DISABLED="false",
        ROLEGATE_URL=agent.server.endpoint,
    )


def token_of(agent: Agent, ttl: str = "60") -> str:
    answer = httpx.put(
        f"{agent.url}/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": ttl}
    )
    assert answer.status_code == 200
    assert answer.headers["x-aws-ec2-metadata-token-ttl-seconds"] == ttl
    return answer.text


def get(agent: Agent, path: str, token: str | None = None) -> httpx.Response:
    headers = {} if token is None else {"X-aws-ec2-metadata-token": token}
    return httpx.get(f"{agent.url}{path}", headers=headers)


def served_credentials(agent: Agent) -> dict[str, Any]:
    token = token_of(agent)
    role_name = get(agent, "/latest/meta-data/iam/security-credentials/", token).text
    answer = get(agent, f"/latest/meta-data/iam/security-credentials/{role_name}", token)
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def test_boto3_default_chain(instance: tuple[Agent, Any, Any]) -> None:
    agent, role, _ = instance
    found = run_python(BOTO3_WHOAMI, program_environment(agent))
    instance_id = get(agent, "/latest/meta-data/instance-id", token_of(agent)).text
    assert found["method"] == "iam-role"
    assert found["arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/{instance_id}"
    )


def test_aws_cli_default_chain(instance: tuple[Agent, Any, Any]) -> None:
    agent, role, _ = instance
    env = program_environment(agent)
    assert cli_role_arn(agent.server.endpoint, role["RoleName"], env) == role["Arn"]


def test_metadata_documents(instance: tuple[Agent, Any, Any]) -> None:
    agent, role, profile = instance
    token = token_of(agent)
    assert (
        get(agent, "/latest/meta-data/iam/security-credentials/", token).text == (role["RoleName"])
    )
    creds = served_credentials(agent)
    assert set(creds) == CREDENTIAL_FIELDS
    assert creds["Code"] == "Success" and creds["Type"] == "AWS-HMAC"
    assert creds["AccessKeyId"].startswith("ASIA")
    assert creds["Expiration"].endswith("Z") and creds["LastUpdated"].endswith("Z")
    info = json.loads(get(agent, "/latest/meta-data/iam/info", token).text)
    assert info["Code"] == "Success"
    assert info["InstanceProfileArn"] == profile["Arn"]
    assert info["InstanceProfileId"] == profile["InstanceProfileId"]
    instance_id = get(agent, "/latest/meta-data/instance-id", token).text
    assert instance_id.startswith("i-")
    assert get(agent, "/latest/meta-data/placement/region", token).text == REGION
    assert get(agent, "/latest/meta-data/placement/availability-zone", token).text == (f"{REGION}a")
    identity = get(agent, "/latest/dynamic/instance-identity/document", token).json()
    assert identity["instanceId"] == instance_id
    assert identity["accountId"] == ACCOUNT_ID
    assert identity["region"] == REGION
    # the credentials act as the instance's role session
    whoami = temporary_client(
        agent.server,
        {
            "AccessKeyId": creds["AccessKeyId"],
            "SecretAccessKey": creds["SecretAccessKey"],
            "SessionToken": creds["Token"],
        },
        "sts",
    ).get_caller_identity()
    assert whoami["Arn"].endswith(f"/{role['RoleName']}/{instance_id}")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 400),  # no TTL
        ({"X-aws-ec2-metadata-token-ttl-seconds": "0"}, 400),
        ({"X-aws-ec2-metadata-token-ttl-seconds": "21601"}, 400),
        ({"X-aws-ec2-metadata-token-ttl-seconds": "ten"}, 400),
        ({**TOKEN, "X-Forwarded-For": "10.0.0.1"}, 403),  # through a proxy
    ],
)
def test_token_refusals(
    instance: tuple[Agent, Any, Any], headers: dict[str, str], status: int
) -> None:
    agent, _, _ = instance
    answer = httpx.put(f"{agent.url}/latest/api/token", headers=headers)
    assert answer.status_code == status
    assert f"<title>{status} - " in answer.text
    assert "x-aws-ec2-metadata-token-ttl-seconds" not in answer.headers


def test_get_refusals(instance: tuple[Agent, Any, Any]) -> None:
    agent, role, _ = instance
    path = f"/latest/meta-data/iam/security-credentials/{role['RoleName']}"
    assert get(agent, path).status_code == 401  # IMDSv1 is off
    assert get(agent, path, "not-a-token").status_code == 401
    forged = token_of(agent)[:-4] + "AAA="
    assert get(agent, path, forged).status_code == 401
    short = token_of(agent, "3")
    assert get(agent, path, short).status_code == 200
    time.sleep(3.5)
    assert get(agent, path, short).status_code == 401  # expired
    token = token_of(agent)
    for unknown in (
        "/latest/meta-data/nothing-here",
        "/latest/meta-data/iam/security-credentials/another-role",
        "/latest/meta-data/iam/security-credentials-extended/",
        "/latest/user-data",
        "/",
    ):
        answer = get(agent, unknown, token)
        assert answer.status_code == 404, unknown
        assert "<title>404 - Not Found</title>" in answer.text
    assert (
        httpx.post(f"{agent.url}{path}", headers={"X-aws-ec2-metadata-token": token}).status_code
        == 405
    )
    assert httpx.get(f"{agent.url}/latest/api/token").status_code == 405


def test_secrets_never_logged(instance: tuple[Agent, Any, Any]) -> None:
    agent, _, _ = instance
    creds = served_credentials(agent)
    log = agent.output()
    assert "new credentials for" in log
    for secret in (creds["SecretAccessKey"], creds["Token"], agent.who.secret):
        assert secret not in log


def test_imdsv1_when_enabled(server: Server, tmp_path: Path) -> None:
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, EC2)
    profile = instance_profile(home, role)
    agent = Agent(
        server,
        launcher(home, role["Arn"], EC2),
        ("imds", "--instance-profile", profile["InstanceProfileName"], "--imdsv1"),
        tmp_path,
    ).start()
    try:
        assert get(agent, "/latest/meta-data/iam/security-credentials/").text == role["RoleName"]
        assert get(agent, "/latest/meta-data/instance-id", "bad-token").status_code == 401
    finally:
        agent.stop()


@pytest.mark.parametrize("refusal", ["no-passrole", "passed-elsewhere", "trust-other-service"])
def test_refused_launch_stops_the_agent(server: Server, tmp_path: Path, refusal: str) -> None:
    """The launcher's right to pass the role is checked when the agent starts."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, ECS if refusal == "trust-other-service" else EC2)
    profile = instance_profile(home, role)
    who = {
        "no-passrole": lambda: home.user(),
        "passed-elsewhere": lambda: launcher(home, role["Arn"], ECS),
        "trust-other-service": lambda: launcher(home, role["Arn"], EC2),
    }[refusal]()
    agent = Agent(
        server, who, ("imds", "--instance-profile", profile["InstanceProfileName"]), tmp_path
    ).start(expect_listening=False)
    assert agent.wait() == 1
    out = agent.output()
    expected = "iam:PassRole" if refusal != "trust-other-service" else "sts:AssumeRole"
    assert "the launch was refused: AccessDenied (403)" in out
    assert expected in out


def test_refresh_ahead_revocation_and_passrole_checked_again(
    server: Server, tmp_path: Path
) -> None:
    """With a refresh margin of 897 s on 900 s sessions the agent renews every 3 s: new keys
    are served before the old expire, a revoked session is replaced by a working one, and once
    the launcher loses iam:PassRole the renewals are refused and logged."""
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, EC2)
    profile = instance_profile(home, role)
    who = launcher(home, role["Arn"], EC2)
    agent = Agent(
        server,
        who,
        (
            "imds",
            "--instance-profile",
            profile["InstanceProfileName"],
            "--duration-seconds",
            "900",
            "--refresh-margin",
            "897",
        ),
        tmp_path,
    ).start()
    try:
        first = served_credentials(agent)
        second = wait_for(
            lambda: (c := served_credentials(agent))["AccessKeyId"] != first["AccessKeyId"] and c
        )
        assert second["Expiration"] > first["Expiration"]
        assert second["LastUpdated"] >= first["LastUpdated"]
        # one long-running boto3 program across renewals
        before = served_credentials(agent)["AccessKeyId"]
        seen = run_python(SDK_ACROSS_REFRESHES, program_environment(agent))
        assert served_credentials(agent)["AccessKeyId"] != before  # renewed meanwhile
        assert len(seen["arns"]) >= 8 and len(set(seen["arns"])) == 1
        assert all(key.startswith("ASIA") for key in seen["keys"])

        def iam_of(creds: dict[str, Any]) -> Any:
            return temporary_client(
                server,
                {
                    "AccessKeyId": creds["AccessKeyId"],
                    "SecretAccessKey": creds["SecretAccessKey"],
                    "SessionToken": creds["Token"],
                },
            )

        # revoke every session issued until now (the console's AWSRevokeOlderSessions)
        time.sleep(1.1)
        moment = datetime.now(UTC).replace(microsecond=0)
        cutoff = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        revoke = revoke_older_sessions(moment)
        home.client().put_role_policy(
            RoleName=role["RoleName"], PolicyName="AWSRevokeOlderSessions", PolicyDocument=revoke
        )
        with pytest.raises(Exception, match="AccessDenied"):
            iam_of(second).get_role(RoleName=role["RoleName"])
        renewed = wait_for(
            lambda: (c := served_credentials(agent))["LastUpdated"] > cutoff and c, timeout=30
        )
        assert iam_of(renewed).get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]

        # PassRole is checked at every refresh
        home.client().delete_user_policy(UserName=who.name, PolicyName="p0")
        wait_for(lambda: "cannot renew credentials (AccessDenied" in agent.output(), timeout=30)
        assert "iam:PassRole" in agent.output()
    finally:
        agent.stop()


def test_survives_a_server_restart(start_server: Callable[..., Server], tmp_path: Path) -> None:
    server = start_server()
    home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    role = service_role(home, EC2)
    profile = instance_profile(home, role)
    agent = Agent(
        server,
        launcher(home, role["Arn"], EC2),
        (
            "imds",
            "--instance-profile",
            profile["InstanceProfileName"],
            "--duration-seconds",
            "900",
            "--refresh-margin",
            "898",
        ),
        tmp_path / "agent",
    ).start()
    try:
        before = served_credentials(agent)
        server.stop()
        wait_for(lambda: "cannot renew credentials (Unavailable" in agent.output(), timeout=30)
        assert served_credentials(agent)["AccessKeyId"]  # still served while valid
        server.start()
        mark = len(agent.output())
        wait_for(lambda: "renewed again after" in agent.output()[mark:], timeout=60)
        after = served_credentials(agent)
        assert after["AccessKeyId"] != before["AccessKeyId"]
        identity = temporary_client(
            server,
            {
                "AccessKeyId": after["AccessKeyId"],
                "SecretAccessKey": after["SecretAccessKey"],
                "SessionToken": after["Token"],
            },
            "sts",
        ).get_caller_identity()
        assert identity["Arn"].endswith(f"/{role['RoleName']}/" + identity["Arn"].rsplit("/")[-1])
    finally:
        agent.stop()
