# ruff: noqa: F811 - the fixtures imported from oidc_setup are parameters here
"""AssumeRoleWithWebIdentity against a real OIDC issuer on loopback (HTTPS, test CA), through
boto3 and the SDK's web-identity credential provider, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from oidc_issuer import Issuer
from oidc_setup import (  # noqa: F401 - fixtures
    OidcNode,
    OidcServer,
    federate,
    issuer,
    issuer_ca,
    oidc_node,
    oidc_server,
    trust_policy,
)

from harness import REGION

pytestmark = pytest.mark.e2e


def error_of(call: Any, **kw: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kw)
    err = caught.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_boto3_assume_role_with_web_identity(oidc_node: OidcNode, issuer: Issuer) -> None:
    fed = federate(oidc_node, issuer)
    token = issuer.token(fed.tenant, sub="repo:org/app:ref:refs/heads/main")
    sts = oidc_node.unsigned_sts()
    got = sts.assume_role_with_web_identity(
        RoleArn=fed.role_arn, RoleSessionName="ci-run", WebIdentityToken=token
    )
    assert got["SubjectFromWebIdentityToken"] == "repo:org/app:ref:refs/heads/main"
    assert got["Provider"] == fed.provider_arn
    assert got["Audience"] == "sts.amazonaws.com"
    assumed = got["AssumedRoleUser"]
    assert assumed["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{fed.role_name}/ci-run"
    assert assumed["AssumedRoleId"].startswith("AROA") and assumed["AssumedRoleId"].endswith(
        ":ci-run"
    )
    assert "PackedPolicySize" not in got and "SourceIdentity" not in got
    creds = got["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    session = oidc_node.client(
        "sts",
        key_id=creds["AccessKeyId"],
        secret=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    me = session.get_caller_identity()
    assert me["Arn"] == assumed["Arn"]
    assert me["UserId"] == assumed["AssumedRoleId"]
    assert me["Account"] == "123456789012"


def test_ec_keys_and_key_rotation(oidc_node: OidcNode, issuer: Issuer) -> None:
    """ES384 verifies; a key added later is fetched once its kid shows up (after the floor)."""
    fed = federate(oidc_node, issuer, kind="P-384")
    sts = oidc_node.unsigned_sts()
    call = {"RoleArn": fed.role_arn, "RoleSessionName": "sess"}
    sts.assume_role_with_web_identity(**call, WebIdentityToken=issuer.token(fed.tenant))
    assert issuer.fetches(fed.tenant) == 1
    sts.assume_role_with_web_identity(**call, WebIdentityToken=issuer.token(fed.tenant))
    assert issuer.fetches(fed.tenant) == 1  # warm: no fetch
    new_key = fed.tenant.add_key("RSA")
    time.sleep(1.2)  # the server's refresh floor (oidc_setup.REFRESH_FLOOR)
    token = issuer.token(fed.tenant, key=new_key)
    sts.assume_role_with_web_identity(**call, WebIdentityToken=token)
    assert issuer.fetches(fed.tenant) == 2


def test_session_tags_and_source_identity_from_claims(oidc_node: OidcNode, issuer: Issuer) -> None:
    actions = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity"]
    fed = federate(oidc_node, issuer, actions=actions)
    claims: dict[str, Any] = {
        "https://aws.amazon.com/tags": {
            "principal_tags": {"team": ["blue"], "env": ["ci"]},
            "transitive_tag_keys": ["team"],
        },
        "https://aws.amazon.com/source_identity": "alice",
    }
    token = issuer.token(fed.tenant, **claims)
    got = oidc_node.unsigned_sts().assume_role_with_web_identity(
        RoleArn=fed.role_arn, RoleSessionName="tagged", WebIdentityToken=token
    )
    assert got["SourceIdentity"] == "alice"
    assert 0 < got["PackedPolicySize"] <= 100


def test_trust_policy_decides(oidc_node: OidcNode, issuer: Issuer) -> None:
    """A subject the trust policy does not name, or tags without sts:TagSession: AccessDenied
    naming the action."""
    fed = federate(oidc_node, issuer, sub="repo:org/app:ref:refs/heads/main")
    sts = oidc_node.unsigned_sts()
    call = {"RoleArn": fed.role_arn, "RoleSessionName": "sess"}
    token = issuer.token(fed.tenant, sub="repo:org/app:pull_request")
    assert error_of(sts.assume_role_with_web_identity, **call, WebIdentityToken=token) == (
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        403,
    )
    tags: dict[str, Any] = {"https://aws.amazon.com/tags": {"principal_tags": {"team": ["blue"]}}}
    tagged = issuer.token(fed.tenant, sub="repo:org/app:ref:refs/heads/main", **tags)
    assert error_of(sts.assume_role_with_web_identity, **call, WebIdentityToken=tagged) == (
        "AccessDenied",
        "Not authorized to perform sts:TagSession",
        403,
    )
    missing_role = {**call, "RoleArn": fed.role_arn + "-gone"}
    token = issuer.token(fed.tenant, sub="repo:org/app:ref:refs/heads/main")
    assert error_of(sts.assume_role_with_web_identity, **missing_role, WebIdentityToken=token)[
        0
    ] == ("AccessDenied")


def test_sdk_web_identity_credential_provider(
    oidc_server: OidcServer, issuer: Issuer, tmp_path: Path
) -> None:
    """boto3 in a fresh process, configured only by AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN
    and AWS_ENDPOINT_URL_STS, gets credentials from rolegate and uses them."""
    fed = federate(oidc_server, issuer)
    token_file = tmp_path / "token"
    token_file.write_text(issuer.token(fed.tenant))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_ROLE_ARN=fed.role_arn,
        AWS_ROLE_SESSION_NAME="sdk-session",
        AWS_ENDPOINT_URL_STS=oidc_server.endpoint,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    script = "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    me = json.loads(done.stdout)
    assert me["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{fed.role_name}/sdk-session"


def test_cli_add_oidc_discovers_and_records_the_thumbprint(
    oidc_node: OidcNode, issuer: Issuer
) -> None:
    """``rolegate provider add-oidc`` on the server's database: discovery over the test CA, the
    CA's thumbprint recorded, and the provider usable at once by AssumeRoleWithWebIdentity."""
    tenant = issuer.tenant(f"cli-{os.getpid()}-{time.monotonic_ns()}")
    url = issuer.issuer_url(tenant)
    ca_bundle = str(oidc_node.ca_bundle)
    done = oidc_node.admin(
        "provider",
        "add-oidc",
        "--url",
        url,
        "--client-id",
        "sts.amazonaws.com",
        "--ca-bundle",
        ca_bundle,
    )
    assert done.returncode == 0, done.stderr
    added = json.loads(done.stdout)
    assert added["ThumbprintList"] == [issuer.ca.ca_thumbprint]
    assert added["JwksUri"] == f"{url}/jwks"
    provider_arn = added["OpenIDConnectProviderArn"]
    host = issuer.provider_url(tenant)
    assert provider_arn == f"arn:aws:iam::123456789012:oidc-provider/{host}"
    iam = oidc_node.client("iam")
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    role = iam.create_role(
        RoleName=f"cli-{tenant.name}"[:64],
        AssumeRolePolicyDocument=trust_policy(provider_arn, host),
    )["Role"]
    oidc_node.unsigned_sts().assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="cli", WebIdentityToken=issuer.token(tenant)
    )
    again = oidc_node.admin("provider", "add-oidc", "--url", url, "--ca-bundle", ca_bundle)
    assert again.returncode == 1
    assert f"EntityAlreadyExists: Provider with url {url} already exists." in again.stderr
    untrusted = oidc_node.admin("provider", "add-oidc", "--url", url + "x")
    assert untrusted.returncode == 1 and "cannot discover" in untrusted.stderr


def test_claim_tags_and_provider_reach_the_session(oidc_node: OidcNode, issuer: Issuer) -> None:
    """The session's permissions see the claim's tags as aws:PrincipalTag/* and the provider as
    aws:FederatedProvider: a role policy conditioned on both allows only such sessions."""
    fed = federate(oidc_node, issuer, actions=["sts:AssumeRoleWithWebIdentity", "sts:TagSession"])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListRoles",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:PrincipalTag/team": "blue",
                        "aws:FederatedProvider": fed.provider_arn,
                    }
                },
            }
        ],
    }
    iam = oidc_node.client("iam")
    iam.put_role_policy(
        RoleName=fed.role_name, PolicyName="by-tag", PolicyDocument=json.dumps(policy)
    )
    sts = oidc_node.unsigned_sts()

    def session_iam(team: str) -> Any:
        tags: dict[str, Any] = {"https://aws.amazon.com/tags": {"principal_tags": {"team": [team]}}}
        creds = sts.assume_role_with_web_identity(
            RoleArn=fed.role_arn,
            RoleSessionName=f"team-{team}",
            WebIdentityToken=issuer.token(fed.tenant, **tags),
        )["Credentials"]
        return oidc_node.client(
            "iam",
            key_id=creds["AccessKeyId"],
            secret=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    assert "Roles" in session_iam("blue").list_roles()
    code, message, status = error_of(session_iam("red").list_roles)
    assert (code, status) == ("AccessDenied", 403)
    assert f"assumed-role/{fed.role_name}/team-red is not authorized to perform: iam:ListRoles" in (
        message
    )


def test_aws_cli_assume_role_with_web_identity(oidc_server: OidcServer, issuer: Issuer) -> None:
    """The AWS CLI sends the call unsigned and reads rolegate's answer."""
    fed = federate(oidc_server, issuer)
    got = oidc_server.aws_json(
        "sts",
        "assume-role-with-web-identity",
        "--role-arn",
        fed.role_arn,
        "--role-session-name",
        "cli-session",
        "--web-identity-token",
        issuer.token(fed.tenant),
    )
    assert got["Provider"] == fed.provider_arn
    assert got["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/{fed.role_name}/cli-session")
    assert got["Credentials"]["AccessKeyId"].startswith("ASIA")
    done = oidc_server.aws(
        "sts",
        "assume-role-with-web-identity",
        "--role-arn",
        fed.role_arn,
        "--role-session-name",
        "cli-session",
        "--web-identity-token",
        issuer.token(fed.tenant, aud="nobody"),
    )
    assert done.returncode != 0
    assert "(InvalidIdentityToken)" in done.stderr and "Incorrect token audience" in done.stderr
