"""The SAML response verifier on its own: what passes, and each attack with the error it gets.

Every attack starts from a response the IdP's real key signed correctly, then changes one thing.
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from rolegate.domain.errors import (
    AwsError,
    ExpiredIdentityToken,
    IDPRejectedClaim,
    InvalidIdentityToken,
)
from rolegate.federation.saml_response import (
    BAD_RECIPIENT,
    EXPIRED,
    INVALID_RESPONSE,
    ISSUER_NOT_IN_PROVIDER,
    NO_AUDIENCE,
    NOT_YET_VALID,
    REDEEMED_LATE,
    SIGNATURE_INVALID,
    SamlTrust,
    verify_response,
)
from saml_idp import (
    DS,
    SAML,
    AssertionSpec,
    SigningKey,
    assertion_element,
    encode,
    response_element,
    sign,
    signed_response,
)

ISSUER = "https://idp.example.com/saml"
KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate("attacker")
NOW = datetime.now(UTC)
ROLE = "arn:aws:iam::123456789012:role/Dev"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/Corp"


def _trust(*keys: SigningKey, extra: frozenset[str] = frozenset()) -> SamlTrust:
    return SamlTrust(ISSUER, tuple(k.certificate.public_bytes(Encoding.DER) for k in keys), extra)


TRUST = _trust(KEY)


def _spec(**changes: object) -> AssertionSpec:
    spec = AssertionSpec(issuer=ISSUER, role_arn=ROLE, provider_arn=PROVIDER, issued=NOW)
    for name, value in changes.items():
        setattr(spec, name, value)
    return spec


def _refused(encoded: str, error: type[AwsError], message: str, trust: SamlTrust = TRUST) -> None:
    with pytest.raises(error) as caught:
        verify_response(encoded, trust, NOW)
    assert type(caught.value) is error
    assert str(caught.value) == message


@pytest.mark.parametrize("where", ["assertion", "response", "both"])
def test_a_signed_response_is_read_from_its_signed_assertion(where: str) -> None:
    spec = _spec(attributes={"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["staff", "member"]})
    verified = verify_response(signed_response(spec, KEY, where), TRUST, NOW)  # type: ignore[arg-type]
    assert verified.assertion_id == "_a1"
    assert verified.issuer == ISSUER
    assert verified.subject == spec.subject
    assert verified.subject_format == spec.subject_format
    assert verified.recipient == "https://signin.aws.amazon.com/saml"
    assert verified.values("https://aws.amazon.com/SAML/Attributes/Role") == (f"{ROLE},{PROVIDER}",)
    assert verified.values("urn:oid:1.3.6.1.4.1.5923.1.1.1.1") == ("staff", "member")
    assert verified.usable_until == (NOW + timedelta(minutes=7)).replace(
        microsecond=(NOW.microsecond // 1000) * 1000
    )


def test_any_certificate_of_the_provider_verifies() -> None:
    verify_response(signed_response(_spec(), KEY), _trust(OTHER_KEY, KEY), NOW)


def test_regional_and_configured_endpoints_are_accepted() -> None:
    regional = "https://eu-west-1.signin.aws.amazon.com/saml"
    verify_response(signed_response(_spec(recipient=regional, audience=regional), KEY), TRUST, NOW)
    mine = "https://rolegate.example.com/saml"
    trust = _trust(KEY, extra=frozenset({mine}))
    verified = verify_response(
        signed_response(_spec(recipient=mine, audience=mine), KEY), trust, NOW
    )
    assert verified.recipient == mine
    verified = verify_response(
        signed_response(_spec(audience="urn:amazon:webservices"), KEY), TRUST, NOW
    )
    assert verified.audience == "urn:amazon:webservices"


def test_unsigned_response_is_refused() -> None:
    _refused(signed_response(_spec(), KEY, "none"), InvalidIdentityToken, SIGNATURE_INVALID)


def test_signed_by_another_key_is_refused() -> None:
    _refused(signed_response(_spec(), OTHER_KEY), InvalidIdentityToken, SIGNATURE_INVALID)
    _refused(
        signed_response(_spec(), OTHER_KEY, "response"), InvalidIdentityToken, SIGNATURE_INVALID
    )


def test_a_changed_signed_value_is_refused() -> None:
    response = etree.fromstring(base64.b64decode(signed_response(_spec(), KEY)))
    name_id = response.find(f".//{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "admin"
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)


def _evil_assertion() -> etree._Element:
    return assertion_element(
        _spec(assertion_id="_evil", subject="admin", role_arn=ROLE.replace("Dev", "Admin"))
    )


def test_xsw_unsigned_assertion_beside_the_signed_one_is_refused() -> None:
    signed = sign(assertion_element(_spec()), KEY)
    response = response_element(_spec(), _evil_assertion())
    response.append(signed)
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)
    response = response_element(_spec(), signed)
    response.insert(2, _evil_assertion())  # before it, where a careless reader looks first
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)


def test_xsw_signed_assertion_moved_into_extensions_is_refused() -> None:
    signed = sign(assertion_element(_spec()), KEY)
    response = response_element(_spec(), _evil_assertion())
    extensions = etree.Element("{urn:oasis:names:tc:SAML:2.0:protocol}Extensions")
    extensions.append(signed)
    response.insert(1, extensions)
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)


def test_xsw_signed_assertion_moved_into_the_signatures_object_is_refused() -> None:
    signed = sign(assertion_element(_spec()), KEY)
    signature = signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None
    evil = _evil_assertion()
    moved = copy.deepcopy(signature)
    obj = etree.SubElement(moved, "{http://www.w3.org/2000/09/xmldsig#}Object")
    original = copy.deepcopy(signed)
    original.remove(original.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    obj.append(original)
    evil.insert(1, moved)
    _refused(encode(response_element(_spec(), evil)), InvalidIdentityToken, SIGNATURE_INVALID)


def test_xsw_duplicated_id_is_refused() -> None:
    signed = sign(assertion_element(_spec()), KEY)
    evil = _evil_assertion()
    evil.set("ID", "_a1")
    response = response_element(_spec(), evil)
    response.append(signed)
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)
    # one assertion, but another element claims its ID
    response = response_element(_spec(), sign(assertion_element(_spec()), KEY))
    response.insert(1, etree.Element("{urn:oasis:names:tc:SAML:2.0:protocol}Extensions", ID="_a1"))
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)
    # the same with xml:id, which signxml also resolves references by
    response = response_element(_spec(), sign(assertion_element(_spec()), KEY))
    extensions = etree.Element("{urn:oasis:names:tc:SAML:2.0:protocol}Extensions")
    extensions.set("{http://www.w3.org/XML/1998/namespace}id", "_a1")
    response.insert(1, extensions)
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)


def test_xsw_response_signature_covering_another_element_is_refused() -> None:
    """A signature directly under the Response, valid, but over the Assertion only: the
    Response (and its other children) are not what it signs."""
    response = response_element(_spec(), assertion_element(_spec()))
    signed_assertion = sign(assertion_element(_spec()), KEY)
    signature = signed_assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None
    response.insert(1, signature)
    _refused(encode(response), InvalidIdentityToken, SIGNATURE_INVALID)


def test_expired_not_yet_valid_wrong_audience_recipient_issuer() -> None:
    old = _spec(issued=NOW - timedelta(minutes=10))
    _refused(signed_response(old, KEY), ExpiredIdentityToken, EXPIRED)
    early = _spec(not_before=NOW + timedelta(minutes=10), issued=NOW + timedelta(minutes=10))
    _refused(signed_response(early, KEY), InvalidIdentityToken, NOT_YET_VALID)
    wrong_audience = _spec(audience="https://other.example.com/sp")
    _refused(signed_response(wrong_audience, KEY), InvalidIdentityToken, NO_AUDIENCE)
    wrong_recipient = _spec(recipient="https://other.example.com/acs")
    _refused(signed_response(wrong_recipient, KEY), InvalidIdentityToken, BAD_RECIPIENT)
    other_issuer = AssertionSpec(issuer="https://evil.example.com", issued=NOW)
    _refused(signed_response(other_issuer, KEY), InvalidIdentityToken, ISSUER_NOT_IN_PROVIDER)


def test_an_assertion_is_redeemed_within_five_minutes_of_its_issue() -> None:
    """However long its conditions allow (AWS's ExpiredTokenException, as reported)."""
    long_lived = _spec(issued=NOW - timedelta(minutes=7, seconds=1), lifetime=timedelta(hours=1))
    _refused(signed_response(long_lived, KEY), ExpiredIdentityToken, REDEEMED_LATE)
    recent = _spec(issued=NOW - timedelta(minutes=6), lifetime=timedelta(hours=1))
    verify_response(signed_response(recent, KEY), TRUST, NOW)


def test_leeway_is_small_and_bounded() -> None:
    just_expired = _spec(issued=NOW - timedelta(minutes=5, seconds=60))
    verify_response(signed_response(just_expired, KEY), TRUST, NOW)
    too_late = _spec(issued=NOW - timedelta(minutes=7, seconds=1))
    _refused(signed_response(too_late, KEY), ExpiredIdentityToken, EXPIRED)


def test_idp_failure_status_is_rejected_claim() -> None:
    failed = _spec(status="urn:oasis:names:tc:SAML:2.0:status:Responder")
    with pytest.raises(IDPRejectedClaim):
        verify_response(signed_response(failed, KEY), TRUST, NOW)


def _xml_attack(prolog: str) -> str:
    body = etree.tostring(response_element(_spec(), sign(assertion_element(_spec()), KEY)))
    return base64.b64encode(prolog.encode() + body.replace(b"alice", b"&e;")).decode()


@pytest.mark.parametrize(
    "prolog",
    [
        # billion laughs
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        # external entity (XXE)
        '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        # parameter entity fetching a remote DTD
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
        # a DTD with nothing in it
        '<!DOCTYPE samlp:Response [<!ENTITY e "alice">]>',
    ],
)
def test_dtds_entities_and_bombs_are_refused(prolog: str) -> None:
    _refused(_xml_attack(prolog), InvalidIdentityToken, INVALID_RESPONSE)


def test_garbage_is_an_invalid_response() -> None:
    for encoded in ("not base64 !!", base64.b64encode(b"<a").decode(), encode(b"<x/>")):
        _refused(encoded, InvalidIdentityToken, INVALID_RESPONSE)
    _refused(
        base64.b64encode(b"<a>" + b"x" * 100_001 + b"</a>").decode(),
        InvalidIdentityToken,
        INVALID_RESPONSE,
    )


def test_comment_in_name_id_does_not_truncate_the_subject() -> None:
    spec = _spec(subject="user@example.com.evil.com")
    response = etree.fromstring(base64.b64decode(signed_response(spec, KEY)))
    verified = verify_response(encode(response), TRUST, NOW)
    assert verified.subject == "user@example.com.evil.com"


def test_sha1_signatures_are_refused() -> None:
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.signer import XMLSigner

    class Sha1Signer(XMLSigner):
        def check_deprecated_methods(self) -> None:  # an old IdP still signs with SHA-1
            pass

    signer = Sha1Signer(
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signed = signer.sign(
        assertion_element(_spec()),
        key=KEY.key_pem,
        cert=KEY.certificate_pem.decode(),
        reference_uri="#_a1",
        id_attribute="ID",
    )
    _refused(encode(response_element(_spec(), signed)), InvalidIdentityToken, SIGNATURE_INVALID)


@pytest.mark.parametrize(
    "damage",
    [
        lambda sig: sig.find(f"{{{DS}}}SignatureValue").__setattr__("text", None),
        lambda sig: sig.remove(sig.find(f"{{{DS}}}SignedInfo")),
        lambda sig: sig.find(f".//{{{DS}}}SignatureMethod").set("Algorithm", "urn:nonsense"),
        lambda sig: sig.find(f".//{{{DS}}}DigestMethod").attrib.pop("Algorithm"),
        lambda sig: sig.find(f".//{{{DS}}}Reference").set("URI", "http://127.0.0.1:9/x"),
        lambda sig: sig.find(f".//{{{DS}}}Reference").set("URI", "#xpointer(/)"),
        lambda sig: sig.find(f"{{{DS}}}SignatureValue").__setattr__("text", "!!notbase64!!"),
    ],
)
def test_malformed_signatures_are_invalid_not_errors(damage: Any) -> None:
    signed = sign(assertion_element(_spec()), KEY)
    damage(signed.find(f"{{{DS}}}Signature"))
    _refused(encode(response_element(_spec(), signed)), InvalidIdentityToken, SIGNATURE_INVALID)
