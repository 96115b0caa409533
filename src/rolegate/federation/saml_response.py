"""Verification of a SAML 2.0 authentication response for AssumeRoleWithSAML
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html;
API reference, AssumeRoleWithSAML).

Order: decode and parse with hardened XML (``saml_xml``); refuse shapes that signature-wrapping
attacks need (more than one assertion, plain or encrypted, a signature anywhere but directly under
the Response or the Assertion, two elements with one ID); verify the XML signature (Response- or
Assertion-level, SHA-2 algorithms only) with signxml against the provider's certificates; from
then on read ONLY the subtree signxml returns as signed. Then the IdP's status, Issuer, audience,
bearer subject confirmation (Recipient, NotOnOrAfter) and the Conditions' validity window, with a
small leeway for clocks.

An ``EncryptedAssertion`` (``saml_decrypt``) is decrypted with the provider's private keys: from
the signed Response when the Response is signed (its signature covers the encrypted form), else
first, and then the decrypted Assertion (parsed as its own document, with the same hardened
parser) must carry its own valid signature; until it does, every failure is the same "Invalid
SAML response". A provider whose mode is Required refuses a plain assertion.

Messages marked ``# unverified`` are our reconstruction; the others are the texts AWS documents
in the IAM User Guide page "Troubleshoot SAML federation with IAM".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, VerifyResult, XMLVerifier

from rolegate.domain.errors import ExpiredIdentityToken, IDPRejectedClaim, InvalidIdentityToken
from rolegate.federation.saml_decrypt import (
    DecryptionFailed,
    UnusableKey,
    decrypt_assertion,
    load_private_key,
)
from rolegate.federation.saml_xml import (
    DS,
    NS,
    SAML,
    SAMLP,
    UnsafeXml,
    decode_response,
    instant,
    parse,
    qname,
    text_of,
)

LEEWAY = timedelta(minutes=2)
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
# AWS's sign-in endpoints, which IdPs name as Recipient / Audience
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html);
# "urn:amazon:webservices" is the entityID of AWS's SAML service-provider metadata, which most IdPs
# send as Audience.
AWS_ENDPOINTS = frozenset(
    {"https://signin.aws.amazon.com/saml", "https://signin.aws.amazon.com/static/saml"}
)
AWS_AUDIENCES = AWS_ENDPOINTS | {"urn:amazon:webservices"}
# Asymmetric, SHA-2 only: never HMAC (a shared secret would be the certificate), never SHA-1.
SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
_REGIONAL_ENDPOINT = re.compile(r"https://[a-z]{2}(?:-[a-z]+)+-\d\.signin\.aws\.amazon\.com/saml")

SIGNATURE_INVALID = "Response signature invalid"
INVALID_RESPONSE = "Invalid SAML response"  # unverified
ISSUER_NOT_IN_PROVIDER = "Issuer not present in specified provider"
NO_AUDIENCE = "Response does not contain the required audience."
BAD_RECIPIENT = "Response does not contain the required recipient."  # unverified
# Both reported from AWS with ExpiredTokenException (e.g. Versent/saml2aws#759,
# Nike-Inc/gimme-aws-creds#251): AWS redeems an assertion within 5 minutes of its issue.
EXPIRED = "Response has expired"
REDEEMED_LATE = "Token must be redeemed within 5 minutes of issuance"
REDEEM_WITHIN = timedelta(minutes=5)
NOT_YET_VALID = "Response is not yet valid"  # unverified
IDP_REJECTED = "The identity provider did not authenticate the user"  # unverified


@dataclass(frozen=True, slots=True)
class SamlTrust:
    """What one IAM SAML provider trusts, plus the endpoints this rolegate answers for."""

    entity_id: str
    certificates: tuple[bytes, ...]  # DER
    extra_endpoints: frozenset[str] = frozenset()  # --saml-audience: Recipient and Audience
    private_keys: tuple[str, ...] = field(default=(), repr=False)  # PEM, for EncryptedAssertion
    encryption_required: bool = False  # AssertionEncryptionMode Required: no plain assertion

    def accepts_recipient(self, url: str) -> bool:
        return url in AWS_ENDPOINTS or url in self.extra_endpoints or _is_regional(url)

    def accepts_audience(self, value: str) -> bool:
        return value in AWS_AUDIENCES or value in self.extra_endpoints or _is_regional(value)


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    assertion_id: str
    issuer: str
    subject: str
    subject_format: str | None
    recipient: str  # saml:aud (the Recipient, not the Audience: condition-keys-saml)
    audience: str  # the accepted Audience
    usable_until: datetime  # the assertion is refused from then on: replay memory may end there
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    session_not_on_or_after: datetime | None = None  # AuthnStatement's: caps the session

    def values(self, name: str) -> tuple[str, ...]:
        return self.attributes.get(name, ())


def verify_response(encoded: str, trust: SamlTrust, now: datetime) -> VerifiedAssertion:
    try:
        root = parse(decode_response(encoded))
    except UnsafeXml:
        raise InvalidIdentityToken(INVALID_RESPONSE) from None
    if root.tag != qname(SAMLP, "Response"):
        raise InvalidIdentityToken(INVALID_RESPONSE)
    _check_status(root)
    if root.find(".//saml:EncryptedAssertion", NS) is not None:
        signed = _verified_encrypted(root, trust)
    else:
        if trust.encryption_required:
            raise InvalidIdentityToken(INVALID_RESPONSE)  # unverified: AWS's answer
        assertion = _single_assertion(root)
        _check_signature_places(root, assertion)
        _check_unique_ids(root)
        signed = _verified_assertion(root, assertion, trust.certificates)
    return _read(signed, trust, now)


def _verified_encrypted(root: etree._Element, trust: SamlTrust) -> etree._Element:
    """The Assertion of a Response whose only assertion is encrypted, decrypted and as signed:
    by the Response (verified before decrypting) or by itself (verified after)."""
    encrypted = root.findall(".//saml:EncryptedAssertion", NS)
    if (
        len(encrypted) != 1
        or encrypted[0].getparent() is not root
        or root.find(".//saml:Assertion", NS) is not None
    ):
        raise InvalidIdentityToken(SIGNATURE_INVALID)
    if not trust.private_keys:
        raise InvalidIdentityToken(INVALID_RESPONSE)  # nothing to decrypt with
    _check_signature_places(root, None)
    _check_unique_ids(root)
    if root.find("ds:Signature", NS) is not None:
        signed = _verify(etree.tostring(root), root.get("ID"), trust.certificates)
        inner = signed.findall("saml:EncryptedAssertion", NS)
        if signed.tag != qname(SAMLP, "Response") or len(inner) != 1:
            raise InvalidIdentityToken(SIGNATURE_INVALID)
        return _decrypted(inner[0], trust)
    try:
        assertion = _decrypted(encrypted[0], trust)
        if assertion.find("ds:Signature", NS) is None:
            raise InvalidIdentityToken(SIGNATURE_INVALID)  # unsigned
        signed = _verify(etree.tostring(assertion), assertion.get("ID"), trust.certificates)
        if signed.tag != qname(SAML, "Assertion"):
            raise InvalidIdentityToken(SIGNATURE_INVALID)
    except InvalidIdentityToken:
        # One answer for every failure until the signature holds: the ciphertext is not yet
        # authenticated, and which step failed (padding, XML, signature) is the oracle of the
        # chosen-ciphertext attacks on XML Encryption (CBC, or a GCM key relabelled as CBC).
        raise InvalidIdentityToken(INVALID_RESPONSE) from None
    return signed


def _decrypted(encrypted: etree._Element, trust: SamlTrust) -> etree._Element:
    """The Assertion inside ``encrypted``, parsed on its own: one Assertion, signatures only
    directly under it, no two IDs alike. Any failure is an invalid response."""
    try:
        keys = [load_private_key(pem, checked=True) for pem in trust.private_keys]
        assertion = parse(decrypt_assertion(encrypted, keys))
    except (DecryptionFailed, UnusableKey, UnsafeXml):
        raise InvalidIdentityToken(INVALID_RESPONSE) from None
    if (
        assertion.tag != qname(SAML, "Assertion")
        or assertion.find(".//saml:Assertion", NS) is not None
        or assertion.find(".//saml:EncryptedAssertion", NS) is not None
    ):
        raise InvalidIdentityToken(SIGNATURE_INVALID)
    _check_signature_places(assertion, assertion)
    _check_unique_ids(assertion)
    return assertion


def _is_regional(url: str) -> bool:
    return _REGIONAL_ENDPOINT.fullmatch(url) is not None


def _check_status(root: etree._Element) -> None:
    """A response whose StatusCode is not Success says the IdP did not authenticate anyone
    (refusing needs no signature)."""
    code = root.find("samlp:Status/samlp:StatusCode", NS)
    if code is None or code.get("Value") != STATUS_SUCCESS:
        raise IDPRejectedClaim(IDP_REJECTED)


def _single_assertion(root: etree._Element) -> etree._Element:
    """Exactly one Assertion in the whole document, a child of the Response: a second one
    (beside it, or hidden in Extensions or a ds:Object) is how wrapping attacks start."""
    assertions = root.findall(".//saml:Assertion", NS)
    if len(assertions) != 1 or assertions[0].getparent() is not root:
        raise InvalidIdentityToken(SIGNATURE_INVALID)
    return assertions[0]


def _check_signature_places(root: etree._Element, assertion: etree._Element | None) -> None:
    for signature in root.iter(qname(DS, "Signature")):
        if signature.getparent() not in (root, assertion):
            raise InvalidIdentityToken(SIGNATURE_INVALID)


def _check_unique_ids(root: etree._Element) -> None:
    """No two ID-like attributes (any namespace: signxml resolves references by local name,
    xml:id included) share a value."""
    seen: set[str] = set()
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if name.rpartition("}")[2] not in ("ID", "Id", "id"):  # {namespace}local
                continue
            if value in seen:
                raise InvalidIdentityToken(SIGNATURE_INVALID)
            seen.add(value)


def _verified_assertion(
    root: etree._Element, assertion: etree._Element, certificates: Iterable[bytes]
) -> etree._Element:
    """The Assertion as signed: from a verified Response signature (the Response's only
    Assertion child) or else from a verified signature of the Assertion itself."""
    response_signed = root.find("ds:Signature", NS) is not None
    if response_signed:
        signed = _verify(etree.tostring(root), root.get("ID"), certificates)
        if signed.tag != qname(SAMLP, "Response"):
            raise InvalidIdentityToken(SIGNATURE_INVALID)
        inner = signed.findall("saml:Assertion", NS)
        if len(inner) != 1:
            raise InvalidIdentityToken(SIGNATURE_INVALID)
        return inner[0]
    if assertion.find("ds:Signature", NS) is None:
        raise InvalidIdentityToken(SIGNATURE_INVALID)  # unsigned
    signed = _verify(etree.tostring(assertion), assertion.get("ID"), certificates)
    if signed.tag != qname(SAML, "Assertion"):
        raise InvalidIdentityToken(SIGNATURE_INVALID)
    return signed


def _verify(data: bytes, element_id: str | None, certificates: Iterable[bytes]) -> etree._Element:
    """The subtree the enveloped signature directly under ``data``'s root covers, which must be
    that root itself (reference to its ID, or to the whole document)."""
    config = SignatureConfiguration(
        location="./", expect_references=1, signature_methods=SIGNATURE_METHODS
    )
    for der in certificates:
        certificate = x509.load_der_x509_certificate(der)
        try:
            result = XMLVerifier().verify(data, x509_cert=certificate, expect_config=config)
        except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput, ValueError):
            continue
        except Exception:  # a malformed signature (missing values, wrong types): not verified
            continue
        if not isinstance(result, VerifyResult):
            break
        reference = result.signature_xml.find("ds:SignedInfo/ds:Reference", NS)
        uri = reference.get("URI") if reference is not None else None
        if uri not in ("", f"#{element_id}") or result.signed_xml is None:
            break
        signed: etree._Element = result.signed_xml
        return signed
    raise InvalidIdentityToken(SIGNATURE_INVALID)


def _read(assertion: etree._Element, trust: SamlTrust, now: datetime) -> VerifiedAssertion:
    """Everything below reads the signed Assertion only."""
    assertion_id = assertion.get("ID") or ""
    issuer = text_of(assertion.find("saml:Issuer", NS))
    if not assertion_id or issuer is None:
        raise InvalidIdentityToken(INVALID_RESPONSE)
    if issuer != trust.entity_id:
        raise InvalidIdentityToken(ISSUER_NOT_IN_PROVIDER)
    subject = assertion.find("saml:Subject", NS)
    name_id = subject.find("saml:NameID", NS) if subject is not None else None
    if subject is None or name_id is None:
        raise InvalidIdentityToken(INVALID_RESPONSE)
    recipient, confirmation_ends = _bearer_confirmation(subject, trust)
    audience, conditions_end = _conditions(assertion, trust, now)
    usable_until = min(t for t in (confirmation_ends, conditions_end) if t is not None)
    if now >= usable_until + LEEWAY:
        raise ExpiredIdentityToken(EXPIRED)
    issued = assertion.get("IssueInstant")
    if issued is None:
        raise InvalidIdentityToken(INVALID_RESPONSE)
    if now >= _instant(issued) + REDEEM_WITHIN + LEEWAY:
        raise ExpiredIdentityToken(REDEEMED_LATE)
    return VerifiedAssertion(
        assertion_id=assertion_id,
        issuer=issuer,
        subject=text_of(name_id) or "",
        subject_format=name_id.get("Format"),
        recipient=recipient,
        audience=audience,
        usable_until=usable_until + LEEWAY,
        attributes=_attributes(assertion),
        session_not_on_or_after=_session_end(assertion),
    )


def _bearer_confirmation(subject: etree._Element, trust: SamlTrust) -> tuple[str, datetime]:
    """Exactly one bearer SubjectConfirmation whose data has Recipient and NotOnOrAfter
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html,
    "Subject and NameID")."""
    confirmations = subject.findall("saml:SubjectConfirmation", NS)
    if len(confirmations) != 1 or confirmations[0].get("Method") != BEARER:
        raise InvalidIdentityToken(INVALID_RESPONSE)
    data = confirmations[0].find("saml:SubjectConfirmationData", NS)
    recipient = data.get("Recipient") if data is not None else None
    ends = data.get("NotOnOrAfter") if data is not None else None
    if recipient is None or ends is None:
        raise InvalidIdentityToken(INVALID_RESPONSE)
    if not trust.accepts_recipient(recipient):
        raise InvalidIdentityToken(BAD_RECIPIENT)
    return recipient, _instant(ends)


def _conditions(
    assertion: etree._Element, trust: SamlTrust, now: datetime
) -> tuple[str, datetime | None]:
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is None:
        raise InvalidIdentityToken(NO_AUDIENCE)
    starts = conditions.get("NotBefore")
    if starts is not None and now + LEEWAY < _instant(starts):
        raise InvalidIdentityToken(NOT_YET_VALID)
    ends = conditions.get("NotOnOrAfter")
    audiences = [
        text_of(a) or "" for a in conditions.findall("saml:AudienceRestriction/saml:Audience", NS)
    ]
    accepted = [a for a in audiences if trust.accepts_audience(a)]
    if not accepted:
        raise InvalidIdentityToken(NO_AUDIENCE)
    return accepted[0], _instant(ends) if ends is not None else None


def _attributes(assertion: etree._Element) -> dict[str, tuple[str, ...]]:
    """Attribute Name -> its values, for every AttributeStatement (names are case-sensitive)."""
    found: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        name = attribute.get("Name")
        if not name:
            continue
        values = tuple(text_of(v) or "" for v in attribute.findall("saml:AttributeValue", NS))
        found[name] = found.get(name, ()) + values
    return found


def _session_end(assertion: etree._Element) -> datetime | None:
    ends = [
        _instant(value)
        for statement in assertion.findall("saml:AuthnStatement", NS)
        if (value := statement.get("SessionNotOnOrAfter")) is not None
    ]
    return min(ends) if ends else None


def _instant(text: str) -> datetime:
    try:
        return instant(text)
    except ValueError:
        raise InvalidIdentityToken(INVALID_RESPONSE) from None
