"""The meaning of SAML attributes for AssumeRoleWithSAML, without a server."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.saml_response import VerifiedAssertion
from rolegate.services.sts.saml_claims import (
    PRINCIPAL_TAG,
    ROLE,
    ROLE_SESSION_NAME,
    SESSION_DURATION,
    TRANSITIVE_TAG_KEYS,
    name_qualifier,
    role_pairs,
    session_attributes,
    subject_type,
    trust_context,
)

ROLE_ARN = "arn:aws:iam::123456789012:role/Dev"
PROVIDER_ARN = "arn:aws:iam::123456789012:saml-provider/Corp"


def assertion(**attributes: tuple[str, ...]) -> VerifiedAssertion:
    return VerifiedAssertion(
        assertion_id="_a",
        issuer="https://example.com/saml",
        subject="_s",
        subject_format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        recipient="https://signin.aws.amazon.com/saml",
        audience="urn:amazon:webservices",
        usable_until=datetime(2030, 1, 1, tzinfo=UTC),
        attributes={ROLE_SESSION_NAME: ("alice",), **attributes},
    )


def test_name_qualifier_is_the_documented_hash() -> None:
    expected = base64.b64encode(
        hashlib.sha1(b"https://example.com/saml123456789012/MySAMLIdP").digest()
    ).decode()
    assert name_qualifier("https://example.com/saml", "123456789012", "MySAMLIdP") == expected


def test_subject_type_drops_only_the_saml2_prefix() -> None:
    assert subject_type("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent") == "persistent"
    email = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    assert subject_type(email) == email
    assert subject_type(None) == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"


def test_role_pairs_in_either_order() -> None:
    found = role_pairs(
        assertion(**{ROLE: (f"{ROLE_ARN},{PROVIDER_ARN}", f" {PROVIDER_ARN} , {ROLE_ARN}x ")})
    )
    assert found == {(ROLE_ARN, PROVIDER_ARN), (ROLE_ARN + "x", PROVIDER_ARN)}
    assert role_pairs(assertion(**{ROLE: ("just-one-value",)})) == set()


def test_tags_duration_and_their_limits() -> None:
    attrs = session_attributes(
        assertion(
            **{
                PRINCIPAL_TAG + "Project": ("Blue", "ignored"),
                TRANSITIVE_TAG_KEYS: ("project",),
                SESSION_DURATION: ("1800",),
            }
        )
    )
    assert attrs.tags == (("Project", "Blue"),)
    assert attrs.transitive_keys == ("project",)
    assert attrs.session_duration == 1800
    assert session_attributes(assertion(**{SESSION_DURATION: ("60",)})).session_duration is None
    assert session_attributes(assertion(**{SESSION_DURATION: ("x",)})).session_duration is None
    too_many = {f"{PRINCIPAL_TAG}k{i}": ("v",) for i in range(51)}
    with pytest.raises(InvalidIdentityToken):
        session_attributes(assertion(**too_many))
    with pytest.raises(InvalidIdentityToken):
        session_attributes(assertion(**{PRINCIPAL_TAG + "k": ("v" * 257,)}))
    with pytest.raises(InvalidIdentityToken):
        session_attributes(assertion(**{PRINCIPAL_TAG + "aws:region": ("x",)}))


def test_trust_context_maps_documented_attributes() -> None:
    context = trust_context(
        assertion(
            **{
                "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ("staff", "member"),
                "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ("alice@example.com", "second"),
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ("a@b",),
                "urn:unknown": ("x",),
            }
        ),
        "123456789012",
        "Corp",
    )
    assert context["saml:edupersonaffiliation"] == ["staff", "member"]  # a list key
    assert context["saml:edupersonprincipalname"] == "alice@example.com"  # a string key
    assert context["saml:mail"] == "a@b"
    assert context["saml:sub_type"] == "transient"
    assert context["saml:aud"] == "https://signin.aws.amazon.com/saml"
    assert context["saml:doc"] == "123456789012/Corp"
    assert not any("unknown" in key for key in context)
