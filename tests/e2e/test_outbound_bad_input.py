# ruff: noqa: F811 - the fixtures imported from outbound_setup are parameters here
"""GetWebIdentityToken and the outbound federation operations on bad input: AWS's code, status
and message for each, never a 500; its condition keys and companion actions in policies; and no
token or key in the server's log (it runs at INFO)."""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from account_helpers import new_account
from botocore.exceptions import ClientError
from oidc_setup import issuer_ca  # noqa: F401 - a fixture
from outbound_setup import IssuerServer, issuer_server  # noqa: F401 - fixtures
from test_outbound_federation import (
    ALLOW_TOKENS,
    enabled_account,
    error_of,
    role_session,
    sts_of,
)

from rolegate.services.sts.web_identity_token import (
    NO_ORIGIN_IDENTITY,
    SCOPE_NEEDS_ORIGIN,
    TOKEN_TOO_LARGE,
)

ALG_MESSAGE = (
    "1 validation error detected: Value '{}' at 'signingAlgorithm' failed to satisfy "
    "constraint: Member must satisfy enum value set: [RS256, ES384]"
)


def one(path: str, constraint: str, value: str | None = None) -> str:
    shown = "null" if value is None else f"'{value}'"
    return (
        f"1 validation error detected: Value {shown} at '{path}' failed to satisfy constraint: "
        f"{constraint}"
    )


BIG_TAGS = [{"Key": f"k{i:02d}" + "x" * 125, "Value": "v" * 256} for i in range(50)]

# (parameters, code, status, message): what each bad request gets
BAD_REQUESTS: dict[str, tuple[dict[str, Any], str, int, str]] = {
    "symmetric algorithm": (
        {"Audience": ["a"], "SigningAlgorithm": "HS256"},
        "ValidationError",
        400,
        ALG_MESSAGE.format("HS256"),
    ),
    "no algorithm": (
        {"Audience": ["a"]},
        "ValidationError",
        400,
        one("signingAlgorithm", "Member must not be null"),
    ),
    "no audience": (
        {"SigningAlgorithm": "RS256"},
        "ValidationError",
        400,
        one("audience", "Member must not be null"),
    ),
    "too short": (
        {"Audience": ["a"], "SigningAlgorithm": "RS256", "DurationSeconds": 59},
        "ValidationError",
        400,
        one("durationSeconds", "Member must have value greater than or equal to 60", "59"),
    ),
    "too long": (
        {"Audience": ["a"], "SigningAlgorithm": "RS256", "DurationSeconds": 3601},
        "ValidationError",
        400,
        one("durationSeconds", "Member must have value less than or equal to 3600", "3601"),
    ),
    "eleven audiences": (
        {"Audience": [f"a{i}" for i in range(11)], "SigningAlgorithm": "ES384"},
        "ValidationError",
        400,
        "1 validation error detected: Value '[a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10]' at "
        "'audience' failed to satisfy constraint: Member must have length less than or equal "
        "to 10",
    ),
    "unknown subject mode": (
        {"Audience": ["a"], "SigningAlgorithm": "ES384", "SubjectMode": "Human"},
        "ValidationError",
        400,
        one(
            "subjectMode",
            "Member must satisfy enum value set: [AWSIdentity, OriginIdentity]",
            "Human",
        ),
    ),
    "origin identity without context": (
        {"Audience": ["a"], "SigningAlgorithm": "ES384", "SubjectMode": "OriginIdentity"},
        "ValidationError",
        400,
        NO_ORIGIN_IDENTITY,
    ),
    "scope without origin identity": (
        {"Audience": ["a"], "SigningAlgorithm": "ES384", "Scope": "read"},
        "ValidationError",
        400,
        SCOPE_NEEDS_ORIGIN,
    ),
    "duplicate tag keys": (
        {
            "Audience": ["a"],
            "SigningAlgorithm": "ES384",
            "Tags": [{"Key": "Team", "Value": "1"}, {"Key": "team", "Value": "2"}],
        },
        "InvalidParameterValue",
        400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    ),
    "payload too large": (
        {"Audience": ["a"], "SigningAlgorithm": "RS256", "Tags": BIG_TAGS},
        "JWTPayloadSizeExceededException",
        400,
        TOKEN_TOO_LARGE,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_requests_get_aws_answers(issuer_server: IssuerServer, case: str) -> None:
    account, _ = enabled_account(issuer_server)
    params, code, status, message = BAD_REQUESTS[case]
    sts = sts_of(issuer_server, account)
    assert error_of(lambda: sts.get_web_identity_token(**params)) == (code, status, message)


def test_scope_with_a_bad_pattern_is_refused_by_the_model(issuer_server: IssuerServer) -> None:
    account, _ = enabled_account(issuer_server)
    sts = sts_of(issuer_server, account)
    code, status, message = error_of(
        lambda: sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="ES384", Scope=" read")
    )
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith("1 validation error detected: Value ' read' at 'scope'")


def test_a_token_may_not_outlive_its_session(issuer_server: IssuerServer) -> None:
    account, _ = enabled_account(issuer_server)
    _, session = role_session(issuer_server, account, ALLOW_TOKENS, lifetime=timedelta(minutes=3))
    sts = session.client(issuer_server, "sts")
    code, status, _ = error_of(
        lambda: sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="ES384")
    )
    assert (code, status) == ("SessionDurationEscalationException", 403)
    short = sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="ES384", DurationSeconds=60)
    assert short["WebIdentityToken"].count(".") == 2


# --- policies ------------------------------------------------------------------------------------
def denied(arn: str, action: str) -> str:
    return (
        f"User: {arn} is not authorized to perform: {action} because no identity-based policy "
        f"allows the {action} action"
    )


def test_condition_keys_and_companion_actions_decide(issuer_server: IssuerServer) -> None:
    account, _ = enabled_account(issuer_server)
    statement = {
        "Effect": "Allow",
        "Action": "sts:GetWebIdentityToken",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"sts:SigningAlgorithm": "ES384"},
            "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["svc-a", "svc-b"]},
            "NumericLessThanEquals": {"sts:DurationSeconds": "600"},
            "StringEqualsIfExists": {"aws:RequestTag/team": "data"},
        },
    }
    _, session = role_session(issuer_server, account, [statement])
    sts = session.client(issuer_server, "sts")
    ok = {"Audience": ["svc-a", "svc-b"], "SigningAlgorithm": "ES384", "DurationSeconds": 600}
    assert sts.get_web_identity_token(**ok)["WebIdentityToken"]
    refused = denied(session.arn, "sts:GetWebIdentityToken")
    for change in (
        {"SigningAlgorithm": "RS256"},
        {"Audience": ["svc-a", "svc-c"]},
        {"DurationSeconds": 601},
        {"Tags": [{"Key": "team", "Value": "web"}]},
    ):
        answer = error_of(lambda change=change: sts.get_web_identity_token(**{**ok, **change}))
        assert answer == ("AccessDenied", 403, refused), change
    # tags the condition allows still need sts:TagGetWebIdentityToken
    tagged = {**ok, "Tags": [{"Key": "team", "Value": "data"}]}
    assert error_of(lambda: sts.get_web_identity_token(**tagged)) == (
        "AccessDenied",
        403,
        denied(session.arn, "sts:TagGetWebIdentityToken"),
    )
    tagging = {"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*"}
    _, both = role_session(issuer_server, account, [statement, tagging])
    assert both.client(issuer_server, "sts").get_web_identity_token(**tagged)["WebIdentityToken"]


def test_iam_operations_need_their_permissions(issuer_server: IssuerServer) -> None:
    account = new_account(issuer_server)
    nothing = {
        "Effect": "Allow",
        "NotAction": "iam:*OutboundWebIdentityFederation*",
        "Resource": "*",
    }
    _, session = role_session(issuer_server, account, [nothing])
    iam = session.client(issuer_server, "iam")
    for call, action in (
        (iam.enable_outbound_web_identity_federation, "EnableOutboundWebIdentityFederation"),
        (iam.disable_outbound_web_identity_federation, "DisableOutboundWebIdentityFederation"),
        (iam.get_outbound_web_identity_federation_info, "GetOutboundWebIdentityFederationInfo"),
    ):
        assert error_of(call) == ("AccessDenied", 403, denied(session.arn, f"iam:{action}"))
    # nothing changed
    code, status, _ = error_of(account.iam.get_outbound_web_identity_federation_info)
    assert (code, status) == ("FeatureDisabled", 404)


def test_no_token_or_key_in_the_log(issuer_server: IssuerServer) -> None:
    account, _ = enabled_account(issuer_server)
    tokens = [
        sts_of(issuer_server, account).get_web_identity_token(Audience=["a"], SigningAlgorithm=alg)[
            "WebIdentityToken"
        ]
        for alg in ("RS256", "ES384")
    ]
    log = issuer_server.output()
    assert "GetWebIdentityToken 200" in log  # the request log is on (INFO)
    for token in tokens:
        for part in token.split("."):
            assert part not in log
    assert "PRIVATE KEY" not in log


def test_concurrent_enables_make_one_issuer(issuer_server: IssuerServer) -> None:
    """Eight Enables at once on a fresh account: one issuer, one key per algorithm, the other
    seven FeatureEnabled (the issuer's row decides, on both backends)."""
    account = new_account(issuer_server)
    clients = [issuer_server.client("iam", account.key_id, account.secret) for _ in range(8)]
    barrier = threading.Barrier(len(clients))

    def enable(client: Any) -> str:
        barrier.wait()
        try:
            return str(client.enable_outbound_web_identity_federation()["IssuerIdentifier"])
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(enable, clients))
    issuers = [answer for answer in answers if answer.startswith("https://")]
    assert len(issuers) == 1
    assert sorted(set(answers) - set(issuers)) == ["FeatureEnabled"]
    path = issuers[0].removeprefix(issuer_server.public_url)
    with urllib.request.urlopen(
        f"{issuer_server.endpoint}{path}/.well-known/jwks.json", timeout=10
    ) as answer:
        keys = json.load(answer)["keys"]
    assert sorted(key["alg"] for key in keys) == ["ES384", "RS256"]
