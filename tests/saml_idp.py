"""A SAML identity provider for the tests: generated keys, metadata, signed responses.

Responses are built as an IdP builds them (Response > Issuer, Status, Assertion > Issuer,
Subject, Conditions, AuthnStatement, AttributeStatement) and signed with signxml's XMLSigner
(RSA-SHA256, exclusive c14n), at the Assertion or at the Response. The attack tests take the
pieces (``assertion_element``, ``sign``) and rearrange them.

``encrypted_response`` encrypts the Assertion as an IdP does for a service provider that asked
for it (XML Encryption 1.1): a fresh AES key (GCM or CBC) encrypts the serialized Assertion, and
RSA-OAEP with the provider's public key carries that key in an EncryptedKey, inside the data's
KeyInfo or beside it. The Assertion is signed before it is encrypted, the Response after.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.signer import XMLSigner

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DIGEST_URIS = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
}
AWS_RECIPIENT = "https://signin.aws.amazon.com/saml"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


@dataclass
class SigningKey:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def generate(cls, common_name: str = "test-idp", bits: int = 2048) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    @property
    def certificate_b64(self) -> str:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return base64.b64encode(der).decode("ascii")

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def metadata_document(
    entity_id: str, keys: Sequence[SigningKey], valid_until: str | None = None
) -> str:
    """IdP metadata with one signing KeyDescriptor per key (always over IAM's 1,000 characters
    minimum: a 2048-bit certificate alone is longer)."""
    descriptors = "".join(
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{key.certificate_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        f"</md:KeyDescriptor>"
        for key in keys
    )
    until = f' validUntil="{valid_until}"' if valid_until else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{entity_id}"{until}>'
        f'<md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}">{descriptors}'
        f"<md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>"
        f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"'
        f' Location="{entity_id}/sso"/>'
        f"</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class AssertionSpec:
    issuer: str
    role_arn: str | None = None
    provider_arn: str | None = None
    session_name: str | None = "alice"
    subject: str = "_cbb88bf52c2510eabe00c1642d4643f4"
    subject_format: str = PERSISTENT
    recipient: str = AWS_RECIPIENT
    audience: str = AWS_RECIPIENT
    issued: datetime = field(default_factory=lambda: datetime.now(UTC))
    lifetime: timedelta = timedelta(minutes=5)
    not_before: datetime | None = None
    assertion_id: str = "_a1"
    response_id: str = "_r1"
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    role_values: Sequence[str] | None = None  # overrides "role,provider"
    status: str = "urn:oasis:names:tc:SAML:2.0:status:Success"
    session_not_on_or_after: datetime | None = None


def assertion_element(spec: AssertionSpec) -> etree._Element:
    issued = spec.issued
    ends = _iso(issued + spec.lifetime)
    starts = _iso(spec.not_before or issued - timedelta(seconds=30))
    assertion = etree.Element(
        _q(SAML, "Assertion"),
        nsmap={"saml": SAML},
        ID=spec.assertion_id,
        Version="2.0",
        IssueInstant=_iso(issued),
    )
    etree.SubElement(assertion, _q(SAML, "Issuer")).text = spec.issuer
    subject = etree.SubElement(assertion, _q(SAML, "Subject"))
    name_id = etree.SubElement(subject, _q(SAML, "NameID"), Format=spec.subject_format)
    name_id.text = spec.subject
    confirmation = etree.SubElement(
        subject, _q(SAML, "SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    etree.SubElement(
        confirmation,
        _q(SAML, "SubjectConfirmationData"),
        NotOnOrAfter=ends,
        Recipient=spec.recipient,
    )
    conditions = etree.SubElement(
        assertion, _q(SAML, "Conditions"), NotBefore=starts, NotOnOrAfter=ends
    )
    restriction = etree.SubElement(conditions, _q(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, _q(SAML, "Audience")).text = spec.audience
    authn = etree.SubElement(
        assertion, _q(SAML, "AuthnStatement"), AuthnInstant=_iso(issued), SessionIndex="_s1"
    )
    if spec.session_not_on_or_after is not None:
        authn.set("SessionNotOnOrAfter", _iso(spec.session_not_on_or_after))
    context = etree.SubElement(authn, _q(SAML, "AuthnContext"))
    etree.SubElement(
        context, _q(SAML, "AuthnContextClassRef")
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    attributes: dict[str, Sequence[str]] = {}
    if spec.role_values is not None:
        attributes[ROLE_ATTRIBUTE] = spec.role_values
    elif spec.role_arn and spec.provider_arn:
        attributes[ROLE_ATTRIBUTE] = [f"{spec.role_arn},{spec.provider_arn}"]
    if spec.session_name is not None:
        attributes[SESSION_NAME_ATTRIBUTE] = [spec.session_name]
    attributes.update(spec.attributes)
    statement = etree.SubElement(assertion, _q(SAML, "AttributeStatement"))
    for name, values in attributes.items():
        attribute = etree.SubElement(statement, _q(SAML, "Attribute"), Name=name)
        for value in values:
            etree.SubElement(attribute, _q(SAML, "AttributeValue")).text = value
    return assertion


def sign(element: etree._Element, key: SigningKey) -> etree._Element:
    """``element`` with an enveloped RSA-SHA256 signature referencing its ID, placed right
    after its Issuer as SAML's schema wants."""
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signed: etree._Element = signer.sign(
        element,
        key=key.key_pem,
        cert=key.certificate_pem.decode("ascii"),
        reference_uri=f"#{element.get('ID')}",
        id_attribute="ID",
    )
    signature = signed.find(_q(DS, "Signature"))
    issuer = signed.find(_q(SAML, "Issuer"))
    if signature is not None and issuer is not None:
        signed.remove(signature)
        issuer.addnext(signature)
    return signed


def response_element(spec: AssertionSpec, assertion: etree._Element) -> etree._Element:
    response = etree.Element(
        _q(SAMLP, "Response"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID=spec.response_id,
        Version="2.0",
        IssueInstant=_iso(spec.issued),
        Destination=spec.recipient,
    )
    etree.SubElement(response, _q(SAML, "Issuer")).text = spec.issuer
    status = etree.SubElement(response, _q(SAMLP, "Status"))
    etree.SubElement(status, _q(SAMLP, "StatusCode"), Value=spec.status)
    response.append(assertion)
    return response


def encode(element: etree._Element | bytes) -> str:
    data = element if isinstance(element, bytes) else etree.tostring(element)
    return base64.b64encode(data).decode("ascii")


def signed_response(
    spec: AssertionSpec,
    key: SigningKey,
    where: Literal["assertion", "response", "both", "none"] = "assertion",
) -> str:
    """The base64 SAMLResponse an IdP would POST."""
    assertion = assertion_element(spec)
    if where in ("assertion", "both"):
        assertion = sign(assertion, key)
    response = response_element(spec, assertion)
    if where in ("response", "both"):
        response = sign(response, key)
    return encode(response)


@dataclass(frozen=True)
class Encryption:
    """How ``encrypt`` encrypts: the data algorithm (``aes128-gcm``, ``aes256-gcm``,
    ``aes128-cbc``, ``aes256-cbc``), the key transport (``rsa-oaep-mgf1p`` or xmlenc11's
    ``rsa-oaep``), its OAEP digest and MGF1 digest (xmlenc11 only), where the EncryptedKey goes."""

    data: str = "aes256-gcm"
    transport: str = "rsa-oaep-mgf1p"
    digest: str = "sha1"
    mgf: str = "sha1"
    key_inside: bool = True  # in EncryptedData/KeyInfo, else beside EncryptedData


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encrypt_data(plaintext: bytes, algorithm: str) -> tuple[bytes, bytes]:
    """(content key, CipherValue bytes) for ``algorithm`` as XML Encryption lays them out."""
    size = 16 if algorithm.startswith("aes128") else 32
    key = os.urandom(size)
    if algorithm.endswith("gcm"):
        iv = os.urandom(12)
        return key, iv + AESGCM(key).encrypt(iv, plaintext, None)
    iv = os.urandom(16)
    padder = block_padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return key, iv + encryptor.update(padded) + encryptor.finalize()


def _hash(name: str) -> hashes.HashAlgorithm:
    return hashes.SHA256() if name == "sha256" else hashes.SHA1()


def encrypt(
    element: etree._Element, recipient: rsa.RSAPublicKey, how: Encryption = Encryption()
) -> etree._Element:
    """A ``saml:EncryptedAssertion`` holding ``element`` encrypted for ``recipient``."""
    data_uri = (XENC11 if how.data.endswith("gcm") else XENC) + how.data
    content_key, cipher_value = encrypt_data(etree.tostring(element), how.data)
    mgf = _hash(how.mgf) if how.transport == "rsa-oaep" else hashes.SHA1()
    wrapped = recipient.encrypt(
        content_key, padding.OAEP(mgf=padding.MGF1(mgf), algorithm=_hash(how.digest), label=None)
    )
    outer = etree.Element(
        _q(SAML, "EncryptedAssertion"), nsmap={"saml": SAML, "xenc": XENC, "ds": DS}
    )
    data = etree.SubElement(outer, _q(XENC, "EncryptedData"), Type=XENC + "Element")
    etree.SubElement(data, _q(XENC, "EncryptionMethod"), Algorithm=data_uri)
    key_info = etree.SubElement(data, _q(DS, "KeyInfo"))
    encrypted_key = etree.Element(_q(XENC, "EncryptedKey"))
    transport_uri = (XENC11 if how.transport == "rsa-oaep" else XENC) + how.transport
    method = etree.SubElement(encrypted_key, _q(XENC, "EncryptionMethod"), Algorithm=transport_uri)
    etree.SubElement(method, _q(DS, "DigestMethod"), Algorithm=DIGEST_URIS[how.digest])
    if how.transport == "rsa-oaep":
        etree.SubElement(method, _q(XENC11, "MGF"), Algorithm=f"{XENC11}mgf1{how.mgf}")
    key_data = etree.SubElement(encrypted_key, _q(XENC, "CipherData"))
    etree.SubElement(key_data, _q(XENC, "CipherValue")).text = _b64(wrapped)
    cipher_data = etree.SubElement(data, _q(XENC, "CipherData"))
    etree.SubElement(cipher_data, _q(XENC, "CipherValue")).text = _b64(cipher_value)
    if how.key_inside:
        key_info.append(encrypted_key)
    else:
        etree.SubElement(key_info, _q(DS, "RetrievalMethod"), URI="#_k1")
        encrypted_key.set("Id", "_k1")
        outer.append(encrypted_key)
    return outer


def encrypted_response(
    spec: AssertionSpec,
    key: SigningKey,
    recipient: rsa.RSAPublicKey,
    how: Encryption = Encryption(),
    where: Literal["assertion", "response", "both", "none"] = "assertion",
) -> str:
    """The base64 SAMLResponse of an IdP that encrypts its Assertion for ``recipient``."""
    assertion = assertion_element(spec)
    if where in ("assertion", "both"):
        assertion = sign(assertion, key)
    response = response_element(spec, encrypt(assertion, recipient, how))
    if where in ("response", "both"):
        response = sign(response, key)
    return encode(response)
