# ruff: noqa: F811 - the fixtures imported from outbound_setup are parameters here
"""Outbound web identity federation: rolegate as an OpenID Connect issuer.

IAM's Enable/Disable/GetOutboundWebIdentityFederationInfo and STS's GetWebIdentityToken through
boto3 and the AWS CLI; the tokens verified by libraries nobody here wrote (PyJWT, jose from npm)
through the issuer's discovery document, served by rolegate behind a TLS relay; key rotation
with tokens in flight; a workload of one account assuming a role of another with its token; and
every bad input with AWS's answer. Each test works in accounts of its own on the shared server.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from account_helpers import Account, new_account
from botocore.exceptions import ClientError
from oidc_issuer import IssuerCa
from oidc_setup import issuer_ca  # noqa: F401 - a fixture, by name
from outbound_setup import (  # noqa: F401 - fixtures, by name
    IssuerServer,
    issuer_server,
    jose_verifier,
    jose_verify,
    pyjwt_verify,
    tls_context,
)
from sessions import Credentials, mint_role_session

from harness import REGION

NAMESPACE = "https://sts.amazonaws.com/"


def enabled_account(server: IssuerServer) -> tuple[Account, str]:
    account = new_account(server)
    issuer = account.iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    return account, issuer


def sts_of(server: IssuerServer, account: Account) -> Any:
    return server.client("sts", account.key_id, account.secret)


def role_session(
    server: IssuerServer,
    account: Account,
    statements: list[dict[str, Any]],
    *,
    tags: list[dict[str, str]] | None = None,
    **claims: Any,
) -> tuple[dict[str, Any], Credentials]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": account.account_id},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = account.iam.create_role(
        RoleName=f"workload-{uuid.uuid4().hex[:8]}",
        Path="/apps/",
        AssumeRolePolicyDocument=json.dumps(trust),
        Tags=tags or [],
    )["Role"]
    account.iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="p",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return role, mint_role_session(server, role, "job-1", **claims)


ALLOW_TOKENS = [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}]


def error_of(call: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def claims_of(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def header_of(token: str) -> dict[str, Any]:
    head = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return decoded


# --- the feature's lifecycle ---------------------------------------------------------------------
def test_enable_disable_and_info(issuer_server: IssuerServer, issuer_ca: IssuerCa) -> None:
    account = new_account(issuer_server)
    iam, sts = account.iam, sts_of(issuer_server, account)
    assert error_of(iam.get_outbound_web_identity_federation_info)[:2] == ("FeatureDisabled", 404)
    assert error_of(iam.disable_outbound_web_identity_federation)[:2] == ("FeatureDisabled", 404)
    refused = error_of(lambda: sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="RS256"))
    assert refused[:2] == ("OutboundWebIdentityFederationDisabledException", 403)

    done = issuer_server.aws(
        "iam",
        "enable-outbound-web-identity-federation",
        key_id=account.key_id,
        secret=account.secret,
    )
    assert done.returncode == 0, done.stderr
    issuer = json.loads(done.stdout)["IssuerIdentifier"]
    prefix = f"{issuer_server.public_url}/issuers/"
    assert issuer.startswith(prefix)
    assert uuid.UUID(issuer[len(prefix) :]).version == 4
    assert error_of(iam.enable_outbound_web_identity_federation)[:2] == ("FeatureEnabled", 409)
    info = iam.get_outbound_web_identity_federation_info()
    assert (info["IssuerIdentifier"], info["JwtVendingEnabled"]) == (issuer, True)
    token = sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="ES384")
    assert claims_of(token["WebIdentityToken"])["iss"] == issuer
    by_cli = issuer_server.aws_json(
        "sts",
        "get-web-identity-token",
        "--audience",
        "a",
        "b",
        "--signing-algorithm",
        "RS256",
        "--duration-seconds",
        "120",
        key_id=account.key_id,
        secret=account.secret,
    )
    cli_claims = claims_of(by_cli["WebIdentityToken"])
    assert (cli_claims["aud"], cli_claims["exp"] - cli_claims["iat"]) == (["a", "b"], 120)
    assert header_of(by_cli["WebIdentityToken"])["alg"] == "RS256"

    iam.disable_outbound_web_identity_federation()
    info = iam.get_outbound_web_identity_federation_info()
    assert (info["IssuerIdentifier"], info["JwtVendingEnabled"]) == (issuer, False)
    refused = error_of(lambda: sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="RS256"))
    assert refused[:2] == ("OutboundWebIdentityFederationDisabledException", 403)
    # tokens issued before stay verifiable: the issuer's documents are still served
    claims = pyjwt_verify(token["WebIdentityToken"], issuer, "a", issuer_ca)
    assert claims["sub"] == f"arn:aws:iam::{account.account_id}:root"
    # enabled again: the same issuer
    assert iam.enable_outbound_web_identity_federation()["IssuerIdentifier"] == issuer


# --- tokens and their verification ---------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["RS256", "ES384"])
def test_tokens_verify_with_pyjwt_and_jose(
    issuer_server: IssuerServer, issuer_ca: IssuerCa, jose_verifier: Path, algorithm: str
) -> None:
    account, issuer = enabled_account(issuer_server)
    role, session = role_session(
        issuer_server,
        account,
        [
            *ALLOW_TOKENS,
            {"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*"},
        ],
        tags=[{"Key": "team", "Value": "data"}],
    )
    sts = session.client(issuer_server, "sts")
    before = int(time.time())
    answer = sts.get_web_identity_token(
        Audience=["https://api.example.com"],
        SigningAlgorithm=algorithm,
        DurationSeconds=900,
        Tags=[{"Key": "job", "Value": "nightly"}],
    )
    token = answer["WebIdentityToken"]
    header = header_of(token)
    assert (header["alg"], header["typ"]) == (algorithm, "JWT")
    ca = issuer_ca
    claims = pyjwt_verify(token, issuer, "https://api.example.com", ca)
    assert claims["iss"] == issuer
    assert claims["sub"] == role["Arn"]
    assert claims["aud"] == "https://api.example.com"
    assert claims["exp"] - claims["iat"] == 900
    assert before - 1 <= claims["iat"] <= int(time.time()) + 1
    assert int(answer["Expiration"].timestamp()) == claims["exp"]
    uuid.UUID(claims["jti"])
    assert claims[NAMESPACE] == {
        "aws_account": account.account_id,
        "source_region": REGION,
        "principal_id": role["Arn"],
        "principal_tags": {"team": "data"},
        "request_tags": {"job": "nightly"},
    }
    assert "scope" not in claims

    several = sts.get_web_identity_token(Audience=["one", "two"], SigningAlgorithm=algorithm)
    verified = jose_verify(
        jose_verifier,
        ca,
        [
            {"token": token, "issuer": issuer, "audience": "https://api.example.com"},
            {"token": several["WebIdentityToken"], "issuer": issuer, "audience": "two"},
            {"token": token, "issuer": issuer, "audience": "someone-else"},
        ],
    )
    assert verified[0]["payload"] == claims
    assert verified[0]["header"]["kid"] == header["kid"]
    assert verified[1]["payload"]["aud"] == ["one", "two"]
    assert verified[2]["error"].startswith("ERR_JWT_CLAIM_VALIDATION_FAILED")
    # a token of another account's issuer does not verify against this one
    _, other_issuer = enabled_account(issuer_server)
    with pytest.raises(jwt.PyJWKClientError):
        pyjwt_verify(token, other_issuer, "https://api.example.com", ca)


# --- the loop: a workload of account A reaches account B with its A-issued token ----------------
def test_workload_of_one_account_assumes_a_role_of_another(
    issuer_server: IssuerServer, issuer_ca: IssuerCa
) -> None:
    a, issuer = enabled_account(issuer_server)
    b = new_account(issuer_server)
    audience = f"rolegate-b-{b.account_id}"
    # B registers A's issuer, discovered over https (through the relay, trusted CA)
    provider = b.iam.create_open_id_connect_provider(
        Url=issuer, ClientIDList=[audience], ThumbprintList=[issuer_ca.ca_thumbprint]
    )["OpenIDConnectProviderArn"]
    url = issuer.removeprefix("https://")
    workload_role, session = role_session(issuer_server, a, ALLOW_TOKENS)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{url}:aud": audience, f"{url}:sub": workload_role["Arn"]}
                },
            }
        ],
    }
    target = b.iam.create_role(RoleName="from-a", AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]
    for algorithm in ("ES384", "RS256"):
        token = session.client(issuer_server, "sts").get_web_identity_token(
            Audience=[audience], SigningAlgorithm=algorithm
        )["WebIdentityToken"]
        assumed = issuer_server.unsigned_sts().assume_role_with_web_identity(
            RoleArn=target["Arn"], RoleSessionName=f"a-{algorithm}", WebIdentityToken=token
        )
        assert assumed["Provider"] == provider
        assert assumed["Audience"] == audience
        assert assumed["SubjectFromWebIdentityToken"] == workload_role["Arn"]
        credentials = assumed["Credentials"]
        identity = issuer_server.client(
            "sts",
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ).get_caller_identity()
        assert identity["Arn"] == (f"arn:aws:sts::{b.account_id}:assumed-role/from-a/a-{algorithm}")
    # the root user of A is not the workload the trust policy names
    root_token = sts_of(issuer_server, a).get_web_identity_token(
        Audience=[audience], SigningAlgorithm="ES384"
    )["WebIdentityToken"]
    refused = error_of(
        lambda: issuer_server.unsigned_sts().assume_role_with_web_identity(
            RoleArn=target["Arn"], RoleSessionName="root", WebIdentityToken=root_token
        )
    )
    assert refused[:2] == ("AccessDenied", 403)


# --- key rotation --------------------------------------------------------------------------------
def test_rotation_keeps_tokens_in_flight_verifiable(
    issuer_server: IssuerServer, issuer_ca: IssuerCa, jose_verifier: Path
) -> None:
    account, issuer = enabled_account(issuer_server)
    sts = sts_of(issuer_server, account)
    old = {
        alg: sts.get_web_identity_token(Audience=["svc"], SigningAlgorithm=alg)["WebIdentityToken"]
        for alg in ("RS256", "ES384")
    }
    jwks = fetch_json(f"{issuer}/.well-known/jwks.json", issuer_ca)
    assert sorted(key["alg"] for key in jwks["keys"]) == ["ES384", "RS256"]
    assert all("d" not in key and "p" not in key for key in jwks["keys"])  # public halves only

    done = issuer_server.admin("issuer", "rotate-keys", "--account-id", account.account_id)
    assert done.returncode == 0, done.stderr
    rotated = json.loads(done.stdout)["SigningKeyIds"]
    new = {
        alg: sts.get_web_identity_token(Audience=["svc"], SigningAlgorithm=alg)["WebIdentityToken"]
        for alg in ("RS256", "ES384")
    }
    assert sorted(header_of(token)["kid"] for token in new.values()) == sorted(rotated)
    assert not {header_of(t)["kid"] for t in old.values()} & set(rotated)
    jwks = fetch_json(f"{issuer}/.well-known/jwks.json", issuer_ca)
    assert len(jwks["keys"]) == 4
    tokens = [*old.values(), *new.values()]
    for token in tokens:
        assert pyjwt_verify(token, issuer, "svc", issuer_ca)["iss"] == issuer
    verified = jose_verify(
        jose_verifier,
        issuer_ca,
        [{"token": token, "issuer": issuer, "audience": "svc"} for token in tokens],
    )
    assert [result.get("error") for result in verified] == [None] * 4

    unknown = issuer_server.admin("issuer", "rotate-keys", "--account-id", "999999999999")
    assert unknown.returncode == 1
    assert "never enabled outbound web identity federation" in unknown.stderr


def fetch_json(url: str, ca: IssuerCa) -> Any:
    with urllib.request.urlopen(url, context=tls_context(ca), timeout=10) as answer:
        return json.load(answer)


# --- the issuer's documents ----------------------------------------------------------------------
def test_discovery_documents(issuer_server: IssuerServer, issuer_ca: IssuerCa) -> None:
    _, issuer = enabled_account(issuer_server)
    discovery = fetch_json(f"{issuer}/.well-known/openid-configuration", issuer_ca)
    assert discovery["issuer"] == issuer
    assert discovery["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256", "ES384"]
    # also straight from rolegate's own port, without the relay
    path = issuer.removeprefix(issuer_server.public_url)
    with urllib.request.urlopen(
        f"{issuer_server.endpoint}{path}/.well-known/jwks.json", timeout=10
    ) as answer:
        assert answer.headers["Cache-Control"] == "public, max-age=300"
        assert answer.headers["Content-Type"] == "application/json"
        assert len(json.load(answer)["keys"]) == 2
    head = urllib.request.Request(
        f"{issuer_server.endpoint}{path}/.well-known/jwks.json", method="HEAD"
    )
    with urllib.request.urlopen(head, timeout=10) as answer:
        assert (answer.status, answer.read()) == (200, b"")
    for method, url, status in (
        ("POST", f"{path}/.well-known/jwks.json", 405),
        ("GET", f"/issuers/{uuid.uuid4()}/.well-known/jwks.json", 404),
        ("GET", f"/issuers/{uuid.uuid4()}/.well-known/openid-configuration", 404),
    ):
        request = urllib.request.Request(
            f"{issuer_server.endpoint}{url}", method=method, data=b"" if method == "POST" else None
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == status
        info.value.close()
