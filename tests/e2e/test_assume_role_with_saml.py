"""AssumeRoleWithSAML end to end: a provider made from generated IdP metadata, responses signed
in the test, boto3's assume_role_with_saml and the AWS CLI's sts assume-role-with-saml, on SQLite
and PostgreSQL. Every refusal names the code, HTTP status and message it gets.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from in_process import InProcessNode
from lxml import etree
from sts_helpers import allow, document, trust
from test_roles import error_of

from saml_idp import (
    AssertionSpec,
    SigningKey,
    assertion_element,
    encode,
    metadata_document,
    response_element,
    sign,
    signed_response,
)

from conftest_db import fresh_database_url
from harness import Node, Server

ACCOUNT = "123456789012"
KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate("attacker")
SIGNATURE_INVALID = ("InvalidIdentityToken", 400, "Response signature invalid")
INVALID_RESPONSE = ("InvalidIdentityToken", 400, "Invalid SAML response")
NOT_AUTHORIZED = ("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML")
SOURCE_IDENTITY = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"


@dataclass
class Idp:
    """One IdP registered as a SAML provider, and a role that trusts it."""

    node: Node
    issuer: str
    provider_arn: str
    role_arn: str
    role_name: str

    def spec(self, **changes: Any) -> AssertionSpec:
        spec = AssertionSpec(
            issuer=self.issuer,
            role_arn=self.role_arn,
            provider_arn=self.provider_arn,
            assertion_id=f"_{uuid.uuid4().hex}",
        )
        for name, value in changes.items():
            setattr(spec, name, value)
        return spec

    def assume(self, assertion: str, **kw: Any) -> dict[str, Any]:
        sts = self.node.client("sts")
        result: dict[str, Any] = sts.assume_role_with_saml(
            RoleArn=kw.pop("RoleArn", self.role_arn),
            PrincipalArn=kw.pop("PrincipalArn", self.provider_arn),
            SAMLAssertion=assertion,
            **kw,
        )
        return result

    def refused(self, assertion: str, **kw: Any) -> tuple[str, int, str]:
        with pytest.raises(ClientError) as caught:
            self.assume(assertion, **kw)
        return error_of(caught)


def make_idp(node: Node, trust_policy: Callable[[str], str] | None = None, **role: Any) -> Idp:
    iam = node.client("iam")
    suffix = uuid.uuid4().hex[:10]
    issuer = f"https://idp-{suffix}.example.com/saml"
    provider_arn = iam.create_saml_provider(
        Name=f"Idp-{suffix}", SAMLMetadataDocument=metadata_document(issuer, [KEY])
    )["SAMLProviderArn"]
    policy = (
        trust_policy(provider_arn)
        if trust_policy
        else trust(
            {"Federated": provider_arn},
            ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
            Condition={"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}},
        )
    )
    name = f"saml-{suffix}"
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy, **role)["Role"]
    iam.put_role_policy(
        RoleName=name, PolicyName="who", PolicyDocument=document(allow("sts:GetCallerIdentity"))
    )
    return Idp(node, issuer, provider_arn, created["Arn"], name)


@pytest.fixture
def idp(node: Node) -> Idp:
    return make_idp(node)


def test_boto3_assume_role_with_saml_returns_the_aws_shape(idp: Idp) -> None:
    spec = idp.spec()
    before = datetime.now(UTC)
    result = idp.assume(signed_response(spec, KEY))
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert timedelta(minutes=59) < credentials["Expiration"] - before <= timedelta(minutes=61)
    assert result["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{idp.role_name}/alice"
    )
    assert result["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert result["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert result["Subject"] == spec.subject
    assert result["SubjectType"] == "persistent"
    assert result["Issuer"] == idp.issuer
    assert result["Audience"] == "https://signin.aws.amazon.com/saml"
    provider_name = idp.provider_arn.rsplit("/", 1)[1]
    expected = base64.b64encode(
        hashlib.sha1(f"{idp.issuer}{ACCOUNT}/{provider_name}".encode()).digest()
    ).decode()
    assert result["NameQualifier"] == expected
    assert "PackedPolicySize" not in result and "SourceIdentity" not in result

    session = idp.node.client(
        "sts",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert session.get_caller_identity()["Arn"] == result["AssumedRoleUser"]["Arn"]


def test_response_signed_at_the_response_level_and_role_pair_in_either_order(idp: Idp) -> None:
    spec = idp.spec(role_values=[f"{idp.provider_arn},{idp.role_arn}"])
    result = idp.assume(signed_response(spec, KEY, "response"))
    assert result["AssumedRoleUser"]["Arn"].endswith("/alice")


def test_aws_cli_assume_role_with_saml(server: Server, tmp_path: Path) -> None:
    idp = make_idp(server)
    response = tmp_path / "response.b64"
    response.write_text(signed_response(idp.spec(session_name="cli-user"), KEY))
    result = server.aws_json(
        "sts",
        "assume-role-with-saml",
        "--role-arn",
        idp.role_arn,
        "--principal-arn",
        idp.provider_arn,
        "--saml-assertion",
        f"file://{response}",
    )
    assert result["AssumedRoleUser"]["Arn"].endswith(f"/{idp.role_name}/cli-user")
    assert result["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_replayed_assertion_is_refused(idp: Idp) -> None:
    assertion = signed_response(idp.spec(), KEY)
    idp.assume(assertion)
    assert idp.refused(assertion) == (
        "InvalidIdentityToken",
        400,
        "SAML assertion has already been used",
    )


def test_concurrent_replays_exactly_one_wins(idp: Idp) -> None:
    assertion = signed_response(idp.spec(), KEY)

    def attempt(_: int) -> str:
        try:
            idp.assume(assertion)
            return "ok"
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))
    assert outcomes == ["InvalidIdentityToken"] * 3 + ["ok"]


def test_attacks_are_refused(idp: Idp) -> None:
    spec = idp.spec()
    evil_spec = idp.spec(subject="admin", assertion_id="_evil")
    signed = sign(assertion_element(spec), KEY)
    beside = response_element(spec, assertion_element(evil_spec))
    beside.append(copy_of(signed))
    in_extensions = response_element(spec, assertion_element(evil_spec))
    extensions = etree.SubElement(in_extensions, "{urn:oasis:names:tc:SAML:2.0:protocol}Extensions")
    extensions.append(copy_of(signed))
    duplicated = assertion_element(replace(evil_spec, assertion_id=spec.assertion_id))
    duplicate_id = response_element(spec, duplicated)
    duplicate_id.append(copy_of(signed))
    cases = {
        "unsigned": (signed_response(idp.spec(), KEY, "none"), SIGNATURE_INVALID),
        "another key": (signed_response(idp.spec(), OTHER_KEY), SIGNATURE_INVALID),
        "xsw beside": (encode(beside), SIGNATURE_INVALID),
        "xsw extensions": (encode(in_extensions), SIGNATURE_INVALID),
        "xsw duplicate id": (encode(duplicate_id), SIGNATURE_INVALID),
        "expired": (
            signed_response(idp.spec(issued=datetime.now(UTC) - timedelta(minutes=10)), KEY),
            ("ExpiredTokenException", 400, "Response has expired"),
        ),
        "not yet valid": (
            signed_response(
                idp.spec(
                    issued=datetime.now(UTC) + timedelta(minutes=10),
                    not_before=datetime.now(UTC) + timedelta(minutes=10),
                ),
                KEY,
            ),
            ("InvalidIdentityToken", 400, "Response is not yet valid"),
        ),
        "wrong audience": (
            signed_response(idp.spec(audience="https://other.example.com/sp"), KEY),
            ("InvalidIdentityToken", 400, "Response does not contain the required audience."),
        ),
        "wrong recipient": (
            signed_response(idp.spec(recipient="https://other.example.com/acs"), KEY),
            ("InvalidIdentityToken", 400, "Response does not contain the required recipient."),
        ),
        "wrong issuer": (
            signed_response(idp.spec(issuer="https://evil.example.com"), KEY),
            ("InvalidIdentityToken", 400, "Issuer not present in specified provider"),
        ),
        "billion laughs": (bomb(spec), INVALID_RESPONSE),
        "external entity": (
            with_prolog(spec, '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
            INVALID_RESPONSE,
        ),
        "dtd": (with_prolog(spec, "<!DOCTYPE samlp:Response []>", entity=False), INVALID_RESPONSE),
        "not base64": ("%%%% not base64 %%%%", INVALID_RESPONSE),
        "idp failure": (
            signed_response(idp.spec(status="urn:oasis:names:tc:SAML:2.0:status:Requester"), KEY),
            (
                "IDPRejectedClaim",
                403,
                "The identity provider did not authenticate the user",
            ),
        ),
    }
    for label, (assertion, expected) in cases.items():
        assert idp.refused(assertion) == expected, label
    # none of them used up the genuine assertion's id
    idp.assume(encode(response_element(spec, copy_of(signed))))


def copy_of(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def with_prolog(spec: AssertionSpec, prolog: str, entity: bool = True) -> str:
    body = etree.tostring(response_element(spec, sign(assertion_element(spec), KEY)))
    if entity:
        body = body.replace(b">alice<", b">&e;<")
    return base64.b64encode(prolog.encode() + body).decode()


def bomb(spec: AssertionSpec) -> str:
    entities = (
        '<!ENTITY a "'
        + "a" * 10
        + '">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    )
    return with_prolog(spec, f'<!DOCTYPE r [{entities}<!ENTITY e "&i;">]>')


def test_role_selection_and_missing_attributes(node: Node, idp: Idp) -> None:
    other = make_idp(node)
    # a pair the assertion does not grant
    assert idp.refused(signed_response(idp.spec(), KEY), RoleArn=other.role_arn) == NOT_AUTHORIZED
    assert idp.refused(signed_response(idp.spec(role_values=[]), KEY)) == NOT_AUTHORIZED
    assert idp.refused(signed_response(idp.spec(role_values=["garbage"]), KEY)) == NOT_AUTHORIZED
    # the provider of another IdP: its certificate and issuer do not match this response
    assert idp.refused(signed_response(idp.spec(), KEY), PrincipalArn=other.provider_arn) == (
        "InvalidIdentityToken",
        400,
        "Issuer not present in specified provider",
    )
    missing = f"arn:aws:iam::{ACCOUNT}:saml-provider/missing-{uuid.uuid4().hex[:6]}"
    assert idp.refused(signed_response(idp.spec(), KEY), PrincipalArn=missing) == (
        "InvalidIdentityToken",
        400,
        "Specified provider doesn't exist.",
    )
    assert idp.refused(signed_response(idp.spec(session_name=None), KEY)) == (
        "InvalidIdentityToken",
        400,
        "RoleSessionName is required in AuthnResponse",
    )
    assert idp.refused(signed_response(idp.spec(session_name="John Doe"), KEY)) == (
        "InvalidIdentityToken",
        400,
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    )
    assert idp.refused(
        signed_response(
            idp.spec(
                attributes={"https://aws.amazon.com/SAML/Attributes/SourceIdentity": ["aws:x"]}
            ),
            KEY,
        )
    ) == (
        "InvalidIdentityToken",
        400,
        'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
    )
    assert idp.refused(signed_response(idp.spec(), KEY), RoleArn="not-an-arn-at-all-xx") == (
        "ValidationError",
        400,
        "not-an-arn-at-all-xx is invalid",
    )


def test_trust_policy_sees_the_saml_keys(node: Node) -> None:
    def policy(provider_arn: str) -> str:
        name = provider_arn.rsplit("/", 1)[1]
        return trust(
            {"Federated": provider_arn},
            "sts:AssumeRoleWithSAML",
            Condition={
                "StringEquals": {
                    "saml:aud": "https://signin.aws.amazon.com/saml",
                    "saml:sub_type": "persistent",
                    "saml:doc": f"{ACCOUNT}/{name}",
                    "saml:edupersonprincipalname": "alice@example.com",
                },
                "ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "staff"},
                "StringLike": {"saml:iss": "https://idp-*", "saml:sub": "_staff*"},
            },
        )

    idp = make_idp(node, policy)
    staff = {
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["member", "staff"],
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ["alice@example.com"],
    }
    idp.assume(signed_response(idp.spec(subject="_staff1", attributes=staff), KEY))
    student = {**staff, "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["student"]}
    refused = idp.refused(signed_response(idp.spec(subject="_staff2", attributes=student), KEY))
    assert refused == NOT_AUTHORIZED
    transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    refused = idp.refused(
        signed_response(
            idp.spec(subject="_staff3", subject_format=transient, attributes=staff), KEY
        )
    )
    assert refused == NOT_AUTHORIZED
    # a trust policy naming another provider does not let this one in
    iam = node.client("iam")
    iam.update_assume_role_policy(
        RoleName=idp.role_name,
        PolicyDocument=trust(
            {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/SomeoneElse"},
            "sts:AssumeRoleWithSAML",
        ),
    )
    assert idp.refused(signed_response(idp.spec(), KEY)) == NOT_AUTHORIZED


def test_duration_session_tags_and_source_identity(idp: Idp) -> None:
    now = datetime.now(UTC)
    attributes = {
        "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project": ["Blue"],
        "https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter": ["12345"],
        "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys": ["Project"],
        "https://aws.amazon.com/SAML/Attributes/SourceIdentity": ["alice@example.com"],
        "https://aws.amazon.com/SAML/Attributes/SessionDuration": ["1800"],
    }
    result = idp.assume(signed_response(idp.spec(attributes=attributes), KEY))
    assert result["SourceIdentity"] == "alice@example.com"
    assert result["PackedPolicySize"] > 0
    lasts = result["Credentials"]["Expiration"] - now
    assert timedelta(minutes=29) < lasts <= timedelta(minutes=31)  # SessionDuration shortens

    # DurationSeconds beyond the role's maximum (one hour by default)
    assert idp.refused(signed_response(idp.spec(), KEY), DurationSeconds=7200) == (
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    # a transitive key that is not a tag
    bad = {"https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys": ["Nope"]}
    assert idp.refused(signed_response(idp.spec(attributes=bad), KEY)) == (
        "InvalidIdentityToken",
        400,
        "Invalid session tags in AuthnResponse",
    )


def test_tags_need_sts_tag_session_in_the_trust_policy(node: Node) -> None:
    idp = make_idp(node, lambda arn: trust({"Federated": arn}, "sts:AssumeRoleWithSAML"))
    idp.assume(signed_response(idp.spec(), KEY))
    tagged = {"https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project": ["Blue"]}
    assert idp.refused(signed_response(idp.spec(attributes=tagged), KEY)) == NOT_AUTHORIZED
    sourced = {"https://aws.amazon.com/SAML/Attributes/SourceIdentity": ["alice"]}
    assert idp.refused(signed_response(idp.spec(attributes=sourced), KEY)) == NOT_AUTHORIZED


def test_session_policy_narrows_and_session_not_on_or_after_caps(idp: Idp) -> None:
    now = datetime.now(UTC)
    spec = idp.spec(session_not_on_or_after=now + timedelta(minutes=20))
    result = idp.assume(
        signed_response(spec, KEY), Policy=document(allow("iam:ListRoles")), DurationSeconds=3600
    )
    assert result["PackedPolicySize"] > 0
    lasts = result["Credentials"]["Expiration"] - now
    assert timedelta(minutes=19) < lasts <= timedelta(minutes=21)
    creds = result["Credentials"]
    session = idp.node.client(
        "sts",
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    with pytest.raises(ClientError) as caught:
        session.get_access_key_info(AccessKeyId=creds["AccessKeyId"])
    assert error_of(caught)[:2] == ("AccessDenied", 403)  # the session policy allows no STS


class AudienceServer(Server):
    """A server that also answers for its own SAML endpoint (``--saml-audience``)."""

    def command(self) -> list[str]:
        return [*super().command(), "--saml-audience", f"{self.endpoint}/saml"]


@pytest.fixture
def audience_server(backend: str, tmp_path: Path) -> Iterator[Server]:
    with fresh_database_url(backend, tmp_path / "aud") as url:
        srv = AudienceServer(tmp_path / "aud", url).start()
        try:
            yield srv
        finally:
            srv.stop()


def test_configured_rolegate_audience(audience_server: Server, node: Node) -> None:
    mine = f"{audience_server.endpoint}/saml"
    idp = make_idp(
        audience_server,
        lambda arn: trust(
            {"Federated": arn},
            "sts:AssumeRoleWithSAML",
            Condition={"StringEquals": {"saml:aud": mine}},
        ),
    )
    result = idp.assume(signed_response(idp.spec(recipient=mine, audience=mine), KEY))
    assert result["Audience"] == mine
    # a server not configured for that URL refuses it
    other = make_idp(node)
    assert other.refused(signed_response(other.spec(recipient=mine, audience=mine), KEY)) == (
        "InvalidIdentityToken",
        400,
        "Response does not contain the required recipient.",
    )


def test_a_replay_on_another_node_is_refused(node: Node, idp: Idp, tmp_path: Path) -> None:
    """Two nodes on one database (the master key shared, as README.md, "Configuration",
    requires): an assertion used on one is refused on the other."""
    second_dir = tmp_path / "node2"
    second_dir.mkdir()
    (second_dir / "master.key").write_bytes((node.data_dir / "master.key").read_bytes())
    second = InProcessNode(second_dir, node.database_url)
    try:
        assertion = signed_response(idp.spec(), KEY)
        idp.assume(assertion)
        other_node = replace(idp, node=second)
        assert other_node.refused(assertion) == (
            "InvalidIdentityToken",
            400,
            "SAML assertion has already been used",
        )
        fresh = signed_response(idp.spec(), KEY)
        other_node.assume(fresh)
        assert idp.refused(fresh)[0] == "InvalidIdentityToken"
    finally:
        second.stop()


def test_a_provider_whose_metadata_expired_is_refused(node: Node) -> None:
    idp = make_idp(node)
    expired = metadata_document(idp.issuer, [KEY], "2020-01-01T00:00:00Z")
    node.client("iam").update_saml_provider(
        SAMLProviderArn=idp.provider_arn, SAMLMetadataDocument=expired
    )
    assert idp.refused(signed_response(idp.spec(), KEY)) == (
        "InvalidIdentityToken",
        400,
        "The SAML provider's metadata has expired.",
    )


def test_the_next_role_sees_the_saml_subject(idp: Idp) -> None:
    """saml:sub, saml:sub_type and saml:namequalifier stay with the session: a role assumed
    from it can trust them (cross-service SAML keys)."""
    spec = idp.spec(subject="_user42")
    first = idp.assume(signed_response(spec, KEY))
    iam = idp.node.client("iam")
    next_name = f"next-{uuid.uuid4().hex[:8]}"

    def next_role(subject: str) -> str:
        policy = trust(
            {"AWS": idp.role_arn},
            Condition={
                "StringEquals": {
                    "saml:sub": subject,
                    "saml:sub_type": "persistent",
                    "saml:namequalifier": first["NameQualifier"],
                }
            },
        )
        try:
            iam.update_assume_role_policy(RoleName=next_name, PolicyDocument=policy)
        except ClientError:
            iam.create_role(RoleName=next_name, AssumeRolePolicyDocument=policy)
        return f"arn:aws:iam::{ACCOUNT}:role/{next_name}"

    creds = first["Credentials"]
    session = idp.node.client(
        "sts",
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    chained = session.assume_role(RoleArn=next_role("_user42"), RoleSessionName="next")
    assert chained["AssumedRoleUser"]["Arn"].endswith(f"/{next_name}/next")
    with pytest.raises(ClientError) as caught:
        session.assume_role(RoleArn=next_role("_someone_else"), RoleSessionName="next")
    assert error_of(caught)[:2] == ("AccessDenied", 403)


def test_a_permission_policy_can_use_the_saml_subject_as_a_variable(idp: Idp) -> None:
    iam = idp.node.client("iam")
    subject = f"u{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=subject, AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))
    iam.put_role_policy(
        RoleName=idp.role_name,
        PolicyName="own-role",
        PolicyDocument=document(allow("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/${{saml:sub}}")),
    )
    creds = idp.assume(signed_response(idp.spec(subject=subject), KEY))["Credentials"]
    session = idp.node.client(
        "iam",
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert session.get_role(RoleName=subject)["Role"]["RoleName"] == subject
    with pytest.raises(ClientError) as caught:
        session.get_role(RoleName=idp.role_name)
    assert error_of(caught)[:2] == ("AccessDenied", 403)
