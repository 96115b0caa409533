"""IdP metadata parsing for CreateSAMLProvider / UpdateSAMLProvider."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from rolegate.federation.saml_metadata import InvalidMetadata, parse_metadata
from saml_idp import SigningKey, metadata_document

KEY = SigningKey.generate()
SECOND = SigningKey.generate("second")


def test_entity_id_certificates_and_valid_until() -> None:
    parsed = parse_metadata(
        metadata_document("https://idp.example.com", [KEY, SECOND], "2030-01-02T03:04:05Z")
    )
    assert parsed.entity_id == "https://idp.example.com"
    assert parsed.certificates == (
        KEY.certificate.public_bytes(Encoding.DER),
        SECOND.certificate.public_bytes(Encoding.DER),
    )
    assert parsed.valid_until == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_metadata(metadata_document("urn:idp", [KEY])).valid_until is None


@pytest.mark.parametrize(
    "document",
    [
        "\ufeff" + metadata_document("urn:idp", [KEY]),  # byte order mark
        metadata_document("urn:idp", []),  # no signing certificate
        metadata_document("", [KEY]),  # no entity id
        metadata_document("urn:idp", [KEY]).replace("IDPSSODescriptor", "SPSSODescriptor"),
        metadata_document("urn:idp", [KEY]).replace(KEY.certificate_b64, "bm90IGEgY2VydA=="),
        metadata_document("urn:idp", [KEY], "yesterday"),
        '<!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + "<m>&e;</m>",
        "<not xml",
    ],
)
def test_unusable_metadata_is_refused(document: str) -> None:
    with pytest.raises(InvalidMetadata):
        parse_metadata(document)


def test_a_1024_bit_key_is_the_smallest_accepted() -> None:
    """IAM wants at least 1,024 bits; cryptography cannot even make a smaller RSA key."""
    small = SigningKey.generate("small", bits=1024)
    assert parse_metadata(metadata_document("urn:idp", [small])).entity_id == "urn:idp"
