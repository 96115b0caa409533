"""An IAM SAML identity provider
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html).

Its metadata document is kept as uploaded (GetSAMLProvider returns it); what AssumeRoleWithSAML
needs from it (the IdP's entity id and signing certificates) is parsed once, when the document is
uploaded, and stored beside it.

Private keys for encrypted assertions (at most two, for rotation) are held unsealed only in this
object, never in its ``repr``; the store seals them at rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rolegate.domain.entities import Tag

ALLOWED = "Allowed"
REQUIRED = "Required"


@dataclass(frozen=True, slots=True)
class SamlPrivateKey:
    """A private key that decrypts the IdP's encrypted assertions (PrivateKeyList's member)."""

    key_id: str  # KeyId: upper-case letters and digits
    timestamp: datetime  # uploaded
    pem: str = field(repr=False)  # PEM (PKCS#8 or PKCS#1), unencrypted RSA


@dataclass(frozen=True, slots=True)
class SamlProvider:
    provider_id: str  # SAMLProviderUUID: upper-case letters and digits
    account_id: str
    name: str
    arn: str  # arn:aws:iam::ACCOUNT:saml-provider/NAME
    metadata_document: str
    entity_id: str  # the IdP's EntityID: the Issuer its responses must carry
    certificates: tuple[bytes, ...]  # DER X.509 signing certificates from the metadata
    create_date: datetime
    valid_until: datetime | None
    tags: tuple[Tag, ...] = ()
    assertion_encryption_mode: str = ALLOWED  # Allowed | Required
    private_keys: tuple[SamlPrivateKey, ...] = field(default=(), repr=False)  # oldest first
