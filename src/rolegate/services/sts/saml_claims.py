"""What a verified SAML assertion means to AssumeRoleWithSAML: the AWS attributes (role pairs,
session name, duration, tags, source identity) and the ``saml:*`` keys the role's trust policy
sees
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html;
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html,
"Available keys for SAML-based AWS STS federation";
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.saml_response import VerifiedAssertion
from rolegate.services.sts.credentials import MAX_ROLE_DURATION, MIN_DURATION

AWS_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
ROLE = AWS_ATTRIBUTE + "Role"
ROLE_SESSION_NAME = AWS_ATTRIBUTE + "RoleSessionName"
SESSION_DURATION = AWS_ATTRIBUTE + "SessionDuration"
SOURCE_IDENTITY = AWS_ATTRIBUTE + "SourceIdentity"
TRANSITIVE_TAG_KEYS = AWS_ATTRIBUTE + "TransitiveTagKeys"
PRINCIPAL_TAG = AWS_ATTRIBUTE + "PrincipalTag:"
NAMEID_FORMAT_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

_NAME_PATTERN = re.compile(r"[a-zA-Z_0-9+=,.@-]{2,64}")
# Messages from the IAM User Guide page "Troubleshoot SAML federation with IAM":
SESSION_NAME_REQUIRED = "RoleSessionName is required in AuthnResponse"
SESSION_NAME_INVALID = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
SOURCE_IDENTITY_INVALID = (
    'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"'
)
# unverified: our wording for session tags AWS would refuse
TAGS_INVALID = "Invalid session tags in AuthnResponse"
MAX_SESSION_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256

# Attribute Name -> (context key, is a list), from the mapping tables of
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html
# ("Mapping SAML attributes to AWS trust policy
# context keys").
_MAPPED: dict[str, tuple[str, bool]] = {
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ("saml:edupersonaffiliation", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": ("saml:edupersonnickname", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": ("saml:edupersonorgdn", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": ("saml:edupersonorgunitdn", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": ("saml:edupersonprimaryaffiliation", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ("saml:edupersonprincipalname", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": ("saml:edupersonentitlement", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": ("saml:edupersonprimaryorgunitdn", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": ("saml:edupersonscopedaffiliation", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": ("saml:edupersontargetedid", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": ("saml:edupersonassurance", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": ("saml:eduorghomepageuri", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": ("saml:eduorgidentityauthnpolicyuri", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": ("saml:eduorglegalname", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": ("saml:eduorgsuperioruri", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": ("saml:eduorgwhitepagesuri", True),
    "urn:oid:2.5.4.3": ("saml:cn", True),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": ("saml:name", False),
    "http://schemas.xmlsoap.org/claims/CommonName": ("saml:commonName", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ("saml:givenName", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ("saml:surname", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ("saml:mail", False),
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": (
        "saml:uid",
        False,
    ),
    "2.5.4.3": ("saml:commonName", False),
    "2.5.4.4": ("saml:surname", False),
    "2.4.5.42": ("saml:givenName", False),
    "2.5.4.45": ("saml:x500UniqueIdentifier", False),
    "0.9.2342.19200300100.1.1": ("saml:uid", False),
    "0.9.2342.19200300100.1.3": ("saml:mail", False),
    "0.9.2342.19200300.100.1.45": ("saml:organizationStatus", False),
}


@dataclass(frozen=True, slots=True)
class SamlSessionAttributes:
    session_name: str
    source_identity: str | None
    session_duration: int | None  # SessionDuration, when a whole number of seconds
    tags: tuple[tuple[str, str], ...]
    transitive_keys: tuple[str, ...]


def subject_type(name_id_format: str | None) -> str:
    """``SubjectType`` / ``saml:sub_type``: the SAML 2.0 name-id format without its common
    prefix ("persistent", "transient"), any other format as given (AssumeRoleWithSAML API
    reference, *SubjectType*). No format is SAML's "unspecified"."""
    fmt = name_id_format or "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    return fmt.removeprefix(NAMEID_FORMAT_PREFIX)


def name_qualifier(issuer: str, account_id: str, provider_name: str) -> str:
    """``NameQualifier`` / ``saml:namequalifier``: Base64(SHA1(issuer + account + "/" + name))
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html, "Uniquely
    identifying users in SAML-based federation")."""
    digest = hashlib.sha1(f"{issuer}{account_id}/{provider_name}".encode(), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode("ascii")


def role_pairs(assertion: VerifiedAssertion) -> set[tuple[str, str]]:
    """(role ARN, provider ARN) of each Role attribute value; the two may come in either
    order
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html,
    "Role SAML attribute")."""
    pairs: set[tuple[str, str]] = set()
    for value in assertion.values(ROLE):
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 2:
            continue
        first, second = parts
        if ":saml-provider/" in first and ":role/" in second:
            first, second = second, first
        pairs.add((first, second))
    return pairs


def session_attributes(assertion: VerifiedAssertion) -> SamlSessionAttributes:
    names = assertion.values(ROLE_SESSION_NAME)
    if not names:
        raise InvalidIdentityToken(SESSION_NAME_REQUIRED)
    session_name = names[0]
    if not _NAME_PATTERN.fullmatch(session_name):
        raise InvalidIdentityToken(SESSION_NAME_INVALID)
    source_identity = None
    if assertion.values(SOURCE_IDENTITY):
        source_identity = assertion.values(SOURCE_IDENTITY)[0]
        valid = _NAME_PATTERN.fullmatch(source_identity)
        if not valid or source_identity.lower().startswith("aws:"):
            raise InvalidIdentityToken(SOURCE_IDENTITY_INVALID)
    tags, transitive = _tags(assertion)
    return SamlSessionAttributes(
        session_name=session_name,
        source_identity=source_identity,
        session_duration=_session_duration(assertion),
        tags=tags,
        transitive_keys=transitive,
    )


def _session_duration(assertion: VerifiedAssertion) -> int | None:
    """SessionDuration only shortens AssumeRoleWithSAML sessions (``MIN_DURATION`` to
    ``MAX_ROLE_DURATION`` seconds: 900 to 43,200); a value outside that range or not a number is
    ignored (unverified: AWS's handling of bad values)."""
    values = assertion.values(SESSION_DURATION)
    if not values or not values[0].isdigit():
        return None
    seconds = int(values[0])
    return seconds if MIN_DURATION <= seconds <= MAX_ROLE_DURATION else None


def _tags(assertion: VerifiedAssertion) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """PrincipalTag:KEY attributes (first value each) and the TransitiveTagKeys attribute
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html, "Passing session tags
    using AssumeRoleWithSAML")."""
    tags: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, values in assertion.attributes.items():
        if not name.startswith(PRINCIPAL_TAG) or not values:
            continue
        key = name.removeprefix(PRINCIPAL_TAG)
        too_long = len(key) > MAX_TAG_KEY or len(values[0]) > MAX_TAG_VALUE
        if not key or too_long or key.lower().startswith("aws:"):  # aws: is AWS's own prefix
            raise InvalidIdentityToken(TAGS_INVALID)
        if key.lower() in seen:
            raise InvalidIdentityToken(TAGS_INVALID)
        seen.add(key.lower())
        tags.append((key, values[0]))
    if len(tags) > MAX_SESSION_TAGS:
        raise InvalidIdentityToken(TAGS_INVALID)
    transitive = tuple(assertion.values(TRANSITIVE_TAG_KEYS))
    if any(key.lower() not in seen for key in transitive):
        raise InvalidIdentityToken(TAGS_INVALID)
    return tuple(tags), transitive


def trust_context(
    assertion: VerifiedAssertion, account_id: str, provider_name: str
) -> dict[str, Any]:
    """The ``saml:*`` keys of the trust evaluation (available in trust policies only)."""
    context: dict[str, Any] = {
        "saml:aud": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.subject,
        "saml:sub_type": subject_type(assertion.subject_format),
        "saml:doc": f"{account_id}/{provider_name}",
        "saml:namequalifier": name_qualifier(assertion.issuer, account_id, provider_name),
    }
    for name, values in assertion.attributes.items():
        mapped = _MAPPED.get(name)
        if mapped is None or not values:
            continue
        key, is_list = mapped
        context.setdefault(key, list(values) if is_list else values[0])
    return context
