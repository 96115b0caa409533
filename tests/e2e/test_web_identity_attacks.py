# ruff: noqa: F811 - the fixtures imported from oidc_setup are parameters here
"""Forged, stale and misdirected web identity tokens, each refused with AWS's error, against a
real rolegate server and a real issuer on loopback (both backends)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from joserfc import jws, jwt
from joserfc.jwk import RSAKey
from oidc_issuer import Issuer, b64url, claims_of, forged, hs256_with_public_key
from oidc_setup import (  # noqa: F401 - fixtures
    Federation,
    OidcNode,
    OidcServer,
    federate,
    issuer,
    issuer_ca,
    oidc_node,
    oidc_server,
)

from harness import free_port

pytestmark = pytest.mark.e2e
NOT_A_JWT = (
    "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
)
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)


def refused(
    server: OidcNode | OidcServer, fed: Federation, token: str, **kw: Any
) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        server.unsigned_sts().assume_role_with_web_identity(
            RoleArn=kw.get("role_arn", fed.role_arn),
            RoleSessionName="attack",
            WebIdentityToken=token,
        )
    err = caught.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def fed(oidc_node: OidcNode, issuer: Issuer) -> Federation:
    return federate(oidc_node, issuer)


def test_unsigned_and_alg_none(oidc_node: OidcNode, issuer: Issuer, fed: Federation) -> None:
    claims = claims_of(issuer.token(fed.tenant))
    kid = fed.tenant.keys[0].kid
    for token in (
        forged({"alg": "none", "typ": "JWT"}, claims),  # no signature at all
        forged({"alg": "none", "kid": kid}, claims, b"sig"),
        forged({"alg": "RS256", "kid": kid}, claims),  # allowed alg, empty signature
        "not.a.jwt.at.all",
        "only-one-part",
    ):
        assert refused(oidc_node, fed, token) == ("InvalidIdentityToken", NOT_A_JWT, 400)


def test_hs256_signed_with_the_rsa_public_key(
    oidc_node: OidcNode, issuer: Issuer, fed: Federation
) -> None:
    key = fed.tenant.keys[0]
    assert isinstance(key, RSAKey)
    token = hs256_with_public_key(key, claims_of(issuer.token(fed.tenant)))
    assert refused(oidc_node, fed, token) == ("InvalidIdentityToken", NOT_A_JWT, 400)


def test_tampered_claims_fail_the_signature(
    oidc_node: OidcNode, issuer: Issuer, fed: Federation
) -> None:
    head, _, sig = issuer.token(fed.tenant).split(".")
    claims = claims_of(issuer.token(fed.tenant, sub="repo:org/app:ref:refs/heads/main"))
    claims["sub"] = "repo:org/app:ref:refs/heads/evil"
    body = forged({}, claims).split(".")[1]
    code, message, status = refused(oidc_node, fed, f"{head}.{body}.{sig}")
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert message == "Invalid signature"  # unverified wording


def test_unknown_kid_is_refused_after_one_refresh(
    oidc_node: OidcNode, issuer: Issuer, fed: Federation
) -> None:
    """A kid the JWKS lacks makes the node fetch the JWKS again, at most once per floor."""
    sts = oidc_node.unsigned_sts()
    sts.assume_role_with_web_identity(
        RoleArn=fed.role_arn, RoleSessionName="warm", WebIdentityToken=issuer.token(fed.tenant)
    )
    assert issuer.fetches(fed.tenant) == 1
    time.sleep(1.2)  # past the refresh floor
    stranger = fed.tenant.add_key("RSA", kid="stranger")
    fed.tenant.keys.remove(stranger)  # signs, but never published
    token = issuer.token(fed.tenant, key=stranger)
    assert refused(oidc_node, fed, token) == ("InvalidIdentityToken", NO_KEY, 400)
    assert issuer.fetches(fed.tenant) == 2  # refreshed once for the unknown kid
    for _ in range(3):  # within the floor: refused without fetching again
        assert refused(oidc_node, fed, token)[0] == "InvalidIdentityToken"
    assert issuer.fetches(fed.tenant) <= 3


def test_times(oidc_node: OidcNode, issuer: Issuer, fed: Federation) -> None:
    now = int(time.time())
    expired = issuer.token(fed.tenant, exp=now - 3600, iat=now - 7200, nbf=now - 7200)
    code, message, status = refused(oidc_node, fed, expired)
    assert (code, status) == ("ExpiredTokenException", 400)
    assert message.startswith("Token expired: current date/time ")
    assert message.endswith(f" must be before the expiration date/time{now - 3600}")
    early = issuer.token(fed.tenant, nbf=now + 3600, exp=now + 7200)
    assert refused(oidc_node, fed, early) == (
        "InvalidIdentityToken",
        "Token is not yet valid",
        400,
    )
    future = issuer.token(fed.tenant, iat=now + 3600, exp=now + 7200)
    assert refused(oidc_node, fed, future)[:2] == (
        "InvalidIdentityToken",
        "Token was issued in the future",
    )
    no_exp = issuer.token(fed.tenant, exp=None)
    assert refused(oidc_node, fed, no_exp) == (
        "InvalidIdentityToken",
        "Missing a required claim: exp",
        400,
    )


def test_wrong_audience(oidc_node: OidcNode, issuer: Issuer, fed: Federation) -> None:
    for aud in ("someone-else", ["a", "b"]):
        token = issuer.token(fed.tenant, aud=aud)
        assert refused(oidc_node, fed, token) == (
            "InvalidIdentityToken",
            "Incorrect token audience",
            400,
        )
    # One of several audiences, or the authorized party, is enough.
    sts = oidc_node.unsigned_sts()
    for token in (
        issuer.token(fed.tenant, aud=["other", "sts.amazonaws.com"]),
        issuer.token(fed.tenant, aud="other", azp="sts.amazonaws.com"),
    ):
        got = sts.assume_role_with_web_identity(
            RoleArn=fed.role_arn, RoleSessionName="aud", WebIdentityToken=token
        )
        assert got["Audience"] == "sts.amazonaws.com"


def test_wrong_issuer_or_no_provider(oidc_node: OidcNode, issuer: Issuer, fed: Federation) -> None:
    stranger = issuer.tenant("no-provider")
    token = issuer.token(stranger)
    assert refused(oidc_node, fed, token) == (
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {issuer.issuer_url(stranger)}",
        400,
    )
    # A token of a real provider's issuer, signed by another tenant's key: wrong key.
    claims = claims_of(issuer.token(fed.tenant))
    other_key = stranger.keys[0]
    lying = forged({"alg": "RS256", "kid": other_key.kid}, claims)
    assert refused(oidc_node, fed, lying + "AAAA")[0] == "InvalidIdentityToken"


def test_thumbprint_mismatch(oidc_node: OidcNode, issuer: Issuer) -> None:
    """A provider whose thumbprints name none of the JWKS host's CAs is refused; the test CA's
    own thumbprint is accepted."""
    wrong = federate(oidc_node, issuer, thumbprints=["0" * 40])
    assert refused(oidc_node, wrong, issuer.token(wrong.tenant)) == (
        "InvalidIdentityToken",
        "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
        400,
    )
    right = federate(oidc_node, issuer, thumbprints=["1" * 40, issuer.ca.ca_thumbprint])
    oidc_node.unsigned_sts().assume_role_with_web_identity(
        RoleArn=right.role_arn, RoleSessionName="ok", WebIdentityToken=issuer.token(right.tenant)
    )


def test_jwks_host_unreachable(oidc_node: OidcNode, issuer: Issuer) -> None:
    """A provider for an issuer nobody serves: InvalidIdentityToken with AWS's key-retrieval
    text (as STS answered when GitHub's issuer failed, aws/aws-cli#7194), and nothing issued."""
    iam = oidc_node.client("iam")
    dead = f"localhost:{free_port()}/gone"
    arn = iam.create_open_id_connect_provider(
        Url=f"https://{dead}", ClientIDList=["sts.amazonaws.com"]
    )["OpenIDConnectProviderArn"]
    fed = federate(oidc_node, issuer)
    claims = {**claims_of(issuer.token(fed.tenant)), "iss": f"https://{dead}"}
    key = fed.tenant.keys[0]
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    assert refused(oidc_node, fed, token) == ("InvalidIdentityToken", NO_KEY, 400)
    assert arn.endswith(dead)


def test_untrusted_tls(oidc_node: OidcNode, issuer: Issuer) -> None:
    """The same issuer, but a second node (same database and master key) started without the
    test CA: the TLS handshake fails, and the token is refused as an unreachable issuer."""
    plain = OidcNode(oidc_node.data_dir, oidc_node.database_url, ca_bundle=None)
    try:
        fed = federate(plain, issuer)
        assert refused(plain, fed, issuer.token(fed.tenant)) == (
            "InvalidIdentityToken",
            NO_KEY,
            400,
        )
    finally:
        plain.stop()


def test_deeply_nested_header_or_claims_are_not_a_jwt(
    oidc_server: OidcServer, issuer: Issuer, fed: Federation
) -> None:
    """Nesting that made json.loads raise RecursionError (a 500 with a traceback in the log),
    and nesting past rolegate's bound of 32 levels that json.loads would take."""
    claims = json.dumps(claims_of(issuer.token(fed.tenant)))
    header = f'{{"alg":"RS256","kid":"{fed.tenant.keys[0].kid}"'
    deep = "[" * 10_000
    closed = "[" * 33 + "]" * 33
    logged = len(oidc_server.output())
    for head, body in (
        (f'{header},"x":{deep}}}', claims),
        (f"{header}}}", f'{claims[:-1]},"x":{deep}}}'),
        (f'{header},"x":{closed}}}', claims),
        (f"{header}}}", f'{claims[:-1]},"x":{closed}}}'),
    ):
        token = f"{b64url(head.encode())}.{b64url(body.encode())}.{b64url(b'sig')}"
        assert len(token) <= 20_000  # the WebIdentityToken shape's maximum
        assert refused(oidc_server, fed, token) == ("InvalidIdentityToken", NOT_A_JWT, 400)
    assert "Traceback" not in oidc_server.output()[logged:]


def test_an_infinite_expiry_signed_by_the_issuer_is_not_a_jwt(
    oidc_node: OidcNode, issuer: Issuer, fed: Federation
) -> None:
    """``"exp": 1e999`` is valid JSON that decodes as infinity (int() of it was a 500)."""
    claims = claims_of(issuer.token(fed.tenant))
    key = fed.tenant.keys[0]
    payload = json.dumps({**claims, "exp": 0}).replace('"exp": 0', '"exp": 1e999').encode()
    token = jws.serialize_compact({"alg": "RS256", "kid": key.kid}, payload, key)
    assert refused(oidc_node, fed, token) == ("InvalidIdentityToken", NOT_A_JWT, 400)


def test_an_issuer_answering_deeply_nested_json(oidc_node: OidcNode, issuer: Issuer) -> None:
    """A JWKS document nested 100,000 deep (within the 512 KiB an issuer may send) is an
    unusable answer, as an unreachable issuer's: InvalidIdentityToken, not a 500."""
    fed = federate(oidc_node, issuer)
    fed.tenant.jwks_text = b'{"keys":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert refused(oidc_node, fed, issuer.token(fed.tenant)) == (
        "InvalidIdentityToken",
        NO_KEY,
        400,
    )
