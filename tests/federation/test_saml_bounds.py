"""Cost bounds of the hardened SAML parser (``saml_xml``) on responses and metadata nobody has
authenticated: nesting, attributes and namespace declarations per element, compression.

Each refusal is the one the callers turn into AWS's answer: "Invalid SAML response"
(InvalidIdentityToken, 400) for a response, "Could not parse metadata." for metadata.
"""

from __future__ import annotations

import base64
import time
import zlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.saml_metadata import InvalidMetadata, parse_metadata
from rolegate.federation.saml_response import INVALID_RESPONSE, SamlTrust, verify_response
from rolegate.federation.saml_xml import MAX_ATTRIBUTES, UnsafeXml, parse
from saml_idp import (
    DS,
    SAML,
    AssertionSpec,
    SigningKey,
    assertion_element,
    encode,
    metadata_document,
    response_element,
    sign,
    signed_response,
)

ISSUER = "https://idp.example.com/saml"
KEY = SigningKey.generate()
TRUST = SamlTrust(ISSUER, (KEY.certificate.public_bytes(Encoding.DER),))
ROLE = "arn:aws:iam::123456789012:role/Dev"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/Corp"
# The most a SAMLAssertion parameter (100,000 base64 characters) can carry.
WIRE_BYTES = 75_000


def _spec() -> AssertionSpec:
    return AssertionSpec(issuer=ISSUER, role_arn=ROLE, provider_arn=PROVIDER)


def _signed_assertion(build: object = None) -> etree._Element:
    assertion = assertion_element(_spec())
    if callable(build):
        build(assertion.find(f".//{{{SAML}}}AttributeValue"))
    return sign(assertion, KEY)


def _refused(encoded: str) -> None:
    with pytest.raises(InvalidIdentityToken) as caught:
        verify_response(encoded, TRUST, datetime.now(UTC))
    assert str(caught.value) == INVALID_RESPONSE


def _element(attributes: int = 0, namespaces: int = 0) -> bytes:
    names = b" ".join(b'a%d=""' % i for i in range(attributes))
    declared = b" ".join(b'xmlns:p%d="urn:p:%d"' % (i, i) for i in range(namespaces))
    return b"<r><e " + names + b" " + declared + b"/></r>"


def test_attributes_and_namespaces_per_element_are_bounded() -> None:
    parse(_element(attributes=MAX_ATTRIBUTES, namespaces=MAX_ATTRIBUTES))
    for data in (_element(attributes=MAX_ATTRIBUTES + 1), _element(namespaces=MAX_ATTRIBUTES + 1)):
        with pytest.raises(UnsafeXml):
            parse(data)


def test_nesting_deeper_than_libxml2s_256_levels_is_refused() -> None:
    """Both parsers are iterative; libxml2 stops at 256 levels without its "huge tree" option
    (which stays off). An IdP cannot even sign deeper: signxml parses with the same limit."""

    def deepen(depth: int):  # type: ignore[no-untyped-def]
        def build(value: etree._Element) -> None:
            for _ in range(depth):
                value = etree.SubElement(value, "nested")

        return build

    accepted = verify_response(
        encode(response_element(_spec(), _signed_assertion(deepen(240)))),
        TRUST,
        datetime.now(UTC),
    )
    assert accepted.values("https://aws.amazon.com/SAML/Attributes/Role")
    body = etree.tostring(response_element(_spec(), _signed_assertion()))
    too_deep = body.replace(b"</saml:Issuer>", b"</saml:Issuer>" + b"<x>" * 300 + b"</x>" * 300, 1)
    _refused(base64.b64encode(too_deep).decode())
    _refused(base64.b64encode(b"<x>" * (WIRE_BYTES // 3)).decode())  # never closed


def test_ten_thousand_attributes_on_signed_info_cost_no_more_than_a_normal_response() -> None:
    """Canonicalizing ``SignedInfo`` comes before its signature is checked, and libxml2 does
    it in time quadratic in one element's attributes (so is the duplicate-ID check's
    attrib.items()): 10,000 of them, within the 100,000 bytes a response may have, took 0.24 s
    of CPU before the bound; ~10 ms now."""
    signed = _signed_assertion()
    signed_info = signed.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    for number in range(10_000):
        signed_info.set(f"a{number}", "")
    data = etree.tostring(response_element(_spec(), signed))
    assert len(data) <= WIRE_BYTES * 1.3
    started = time.process_time()
    _refused(base64.b64encode(data).decode())
    assert time.process_time() - started < 0.15


def test_namespace_declarations_on_signed_info_are_bounded_too() -> None:
    """libxml2's inclusive canonicalization (which a signature may ask for) is quadratic in an
    element's namespace declarations (8,000: 0.45 s in lxml alone): bounded like attributes."""
    signed = _signed_assertion()
    signed_info = signed.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    body = etree.tostring(response_element(_spec(), signed))
    name = etree.QName(signed_info).localname.encode()
    declared = b" ".join(b'xmlns:p%d="u"' % i for i in range(5_000))
    body = body.replace(b"<ds:" + name, b"<ds:" + name + b" " + declared, 1)
    _refused(base64.b64encode(body).decode())


def test_a_compressed_response_is_not_inflated() -> None:
    """AssumeRoleWithSAML takes the POST binding's base64 response; DEFLATE belongs to the
    redirect binding and is never undone here, so it cannot inflate either."""
    data = base64.b64decode(signed_response(_spec(), KEY))
    _refused(base64.b64encode(zlib.compress(data)[2:-4]).decode())


def test_metadata_gets_the_same_bounds() -> None:
    document = metadata_document("urn:idp", [KEY])
    assert parse_metadata(document).entity_id == "urn:idp"
    crowded = document.replace(
        "<md:EntityDescriptor ",
        "<md:EntityDescriptor " + " ".join(f'a{i}=""' for i in range(MAX_ATTRIBUTES + 1)) + " ",
        1,
    )
    assert crowded != document
    for bad in (crowded, "<m>" + "<x>" * 300 + "</x>" * 300 + "</m>", "<m>" * 500_000):
        with pytest.raises(InvalidMetadata):
            parse_metadata(bad)
