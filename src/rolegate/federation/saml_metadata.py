"""SAML 2.0 IdP metadata as CreateSAMLProvider / UpdateSAMLProvider read it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html).

What is kept: the IdP's ``entityID`` (the Issuer its responses carry), the X.509 certificates of
its signing keys (``KeyDescriptor`` with ``use="signing"`` or no ``use``) and ``validUntil``. The
document must be UTF-8 without a byte order mark, and each certificate's key must be at least
1,024 bits; anything else is "Could not parse metadata." as IAM answers.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from rolegate.federation.saml_xml import MD, NS, UnsafeXml, instant, parse, qname

MIN_RSA_BITS = 1024


class InvalidMetadata(ValueError):
    """The metadata document cannot be used; the reason is for logs, never for the caller."""


@dataclass(frozen=True, slots=True)
class IdpMetadata:
    entity_id: str
    certificates: tuple[bytes, ...]  # DER
    valid_until: datetime | None


def parse_metadata(document: str) -> IdpMetadata:
    if document.startswith("\ufeff"):
        raise InvalidMetadata("byte order mark")
    try:
        root = parse(document.encode("utf-8"))
    except (UnsafeXml, UnicodeEncodeError) as exc:
        raise InvalidMetadata(str(exc)) from None
    entity = _entity_descriptor(root)
    entity_id = (entity.get("entityID") or "").strip()
    if not entity_id:
        raise InvalidMetadata("no entityID")
    idp = entity.find("md:IDPSSODescriptor", NS)
    if idp is None:
        raise InvalidMetadata("no IDPSSODescriptor")
    certificates = tuple(_signing_certificates(idp))
    if not certificates:
        raise InvalidMetadata("no signing certificate")
    valid_until = _earliest(
        _timestamp(root.get("validUntil")),
        _timestamp(entity.get("validUntil")),
        _timestamp(idp.get("validUntil")),
    )
    return IdpMetadata(entity_id, certificates, valid_until)


def _entity_descriptor(root: etree._Element) -> etree._Element:
    if root.tag == qname(MD, "EntityDescriptor"):
        return root
    if root.tag == qname(MD, "EntitiesDescriptor"):
        found = [e for e in root.iter(qname(MD, "EntityDescriptor")) if _has_idp(e)]
        if len(found) == 1:
            return found[0]
    raise InvalidMetadata("not one IdP EntityDescriptor")


def _has_idp(entity: etree._Element) -> bool:
    return entity.find("md:IDPSSODescriptor", NS) is not None


def _signing_certificates(idp: etree._Element) -> list[bytes]:
    found: list[bytes] = []
    for descriptor in idp.findall("md:KeyDescriptor", NS):
        if descriptor.get("use") not in (None, "signing"):
            continue
        for element in descriptor.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
            der = _certificate(element.text or "")
            if der not in found:
                found.append(der)
    return found


def _certificate(text: str) -> bytes:
    try:
        der = b64decode("".join(text.split()), validate=True)
        certificate = x509.load_der_x509_certificate(der)
        key = certificate.public_key()
        _ = certificate.extensions  # refuses repeated extensions, as IAM does
    except (binascii.Error, ValueError, x509.DuplicateExtension) as exc:
        raise InvalidMetadata(f"certificate: {exc}") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise InvalidMetadata("RSA key under 1024 bits")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise InvalidMetadata("unsupported key type")
    return der


def _timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return instant(text)
    except ValueError:
        raise InvalidMetadata(f"validUntil {text!r}") from None


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None
