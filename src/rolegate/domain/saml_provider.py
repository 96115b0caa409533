"""An IAM SAML identity provider
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html).

Its metadata document is kept as uploaded (GetSAMLProvider returns it); what AssumeRoleWithSAML
needs from it (the IdP's entity id and signing certificates) is parsed once, when the document is
uploaded, and stored beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.entities import Tag


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
