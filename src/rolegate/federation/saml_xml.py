"""Hardened XML for SAML: metadata documents and authentication responses.

Every document goes through two gates before anything reads it: defusedxml refuses any DTD
(which also rules out entity declarations, hence billion-laughs bombs and external entities),
then lxml parses with entity resolution, DTD loading and network access off and without its
"huge tree" allowance. Sizes are bounded before parsing.

Cost bounds, for input nobody has authenticated yet (both parsers are iterative, so depth costs
no stack):

- nesting: libxml2 refuses elements nested deeper than 256 unless "huge tree" is allowed;
- attributes and namespace declarations per element: at most :data:`MAX_ATTRIBUTES`. lxml's
  ``attrib.items()`` (the duplicate-ID check, before any signature is checked) and libxml2's
  canonicalization (signxml: ``SignedInfo``, and each reference for its digest) take time
  quadratic in one element's attributes; inclusive canonicalization in its namespace
  declarations too (8,000: 0.45 s in lxml alone). Measured before the bound: 7,000 attributes
  on ``SignedInfo`` (what fits in the SAMLAssertion parameter) cost 0.13 s of CPU per unsigned
  call, 10,000 0.24 s. 64 take microseconds, far more than SAML's elements carry (a handful);
- entities: none (no DTD), so no expansion.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from datetime import UTC, datetime

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException
from lxml import etree

# Namespaces (SAML 2.0 core and metadata, XML-DSig).
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "md": MD, "ds": DS}

# A response decoded from the 100,000-character SAMLAssertion parameter
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html) is at most 75,000
# bytes; the bound is checked again on the bytes themselves.
MAX_RESPONSE_BYTES = 100_000
MAX_ATTRIBUTES = 64  # attributes, and namespace declarations, of one element


class UnsafeXml(ValueError):
    """The document is not well-formed, or it carries a DTD, entities or external references."""


def qname(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse(data: bytes) -> etree._Element:
    """The root element of ``data``, or UnsafeXml."""
    try:
        safe_etree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, safe_etree.ParseError, ValueError) as exc:
        raise UnsafeXml(str(exc)) from None
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(str(exc)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXml("a DTD is not allowed")
    if any(True for _ in root.iter(etree.Entity)):
        raise UnsafeXml("entities are not allowed")
    _check_attribute_counts(root)
    return root


def _check_attribute_counts(root: etree._Element) -> None:
    """UnsafeXml when an element has more than MAX_ATTRIBUTES attributes or namespace
    declarations (``len(attrib)`` counts without reading values: linear)."""
    declared = 0  # "start-ns" events come just before the "start" of the element declaring them
    for event, item in etree.iterwalk(root, events=("start-ns", "start")):
        if event == "start":
            declared, count = 0, len(item.attrib)
        else:
            declared += 1
            count = declared
        if count > MAX_ATTRIBUTES:
            raise UnsafeXml(f"more than {MAX_ATTRIBUTES} attributes or namespaces on an element")


def decode_response(encoded: str) -> bytes:
    """The bytes of a base64-encoded SAML response (whitespace allowed, as IdPs wrap lines)."""
    compact = "".join(encoded.split())
    try:
        data = b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise UnsafeXml("not base64") from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise UnsafeXml("response too large")
    return data


def text_of(element: etree._Element | None) -> str | None:
    """All the text inside ``element`` (comments do not split it), trimmed; None if absent."""
    if element is None:
        return None
    return "".join(element.itertext()).strip()


def instant(text: str) -> datetime:
    """An xs:dateTime as SAML writes it (``2030-01-01T00:00:00Z``, fractions allowed), in UTC;
    ValueError if it is not one. A time without zone is taken as UTC (SAML core 1.3.3)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
