"""IAM SAML identity providers: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders,
UpdateSAMLProvider, DeleteSAMLProvider
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html). Their tags
are
``iam.tagging``'s (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_idps_saml.html).

The metadata document is parsed when uploaded (``federation.saml_metadata``): an unusable one is
refused with IAM's "Could not parse metadata." and changes nothing. An account holds at most 100
SAML providers, each at most 50 tags
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Encrypted
assertions (mode and private keys) are ``saml_keys``'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rolegate.domain.arn import PARTITION
from rolegate.domain.entities import Tag
from rolegate.domain.errors import (
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from rolegate.domain.ids import Rng, unique_id
from rolegate.domain.saml_provider import ALLOWED, SamlPrivateKey, SamlProvider
from rolegate.federation.saml_metadata import IdpMetadata, InvalidMetadata, parse_metadata
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._arns import invalid_arn
from rolegate.services.iam.providers.saml_keys import (
    check_key_change,
    created_encryption,
    encryption_to_wire,
    new_private_key,
)
from rolegate.store import Conflict, Tx

MAX_PROVIDERS_PER_ACCOUNT = 100
DEFAULT_VALIDITY_YEARS = 100
# Messages from the IAM User Guide page "Troubleshoot SAML federation with IAM":
UNPARSABLE = "Could not parse metadata."
NOTHING_TO_UPDATE = (
    "Unable to update identity provider. No updates are defined for metadata or encryption "
    "assertion."
)
_UPDATES = ("SAMLMetadataDocument", "AssertionEncryptionMode", "AddPrivateKey", "RemovePrivateKey")
_PROVIDER_ARN = re.compile(r"arn:aws:iam::(\d{12}):saml-provider/([\w.-]{1,128})")


def saml_provider_arn(account: str, name: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:saml-provider/{name}"


def parse_saml_provider_arn(arn: str) -> tuple[str, str]:
    """(account, name) of a SAML provider ARN; InvalidInput as IAM answers a malformed one."""
    match = _PROVIDER_ARN.fullmatch(arn)
    if match is None:
        raise invalid_arn(arn)
    return match.group(1), match.group(2)


def load_saml_provider(
    ctx: OperationContext, arn: str, action: str, *, lock: bool = False
) -> SamlProvider:
    """The caller's provider named by ``arn``, once the caller may perform ``action`` on it.
    Another account's provider is as missing as one that does not exist."""
    account, name = parse_saml_provider_arn(arn)
    ctx.authorize(action, arn)
    provider = None
    if account == ctx.account_id:
        provider = ctx.tx.saml_providers.get(account, name, for_update=lock)
    if provider is None or provider.arn != arn:
        # unverified: the text IAM is widely reported to answer
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return provider


def _metadata(document: str) -> IdpMetadata:
    try:
        return parse_metadata(document)
    except InvalidMetadata:
        raise InvalidInput(UNPARSABLE) from None


def create_saml_provider(ctx: OperationContext, params: Params) -> Result:
    name = params["Name"]
    arn = saml_provider_arn(ctx.account_id, name)
    ctx.authorize("iam:CreateSAMLProvider", arn)
    tags = tags_from_params(params.get("Tags"))
    if tags:
        ctx.authorize("iam:TagSAMLProvider", arn)
    mode, keys = created_encryption(params, ctx.now, ctx.rng)
    add_saml_provider(
        ctx.tx,
        ctx.account_id,
        name,
        params["SAMLMetadataDocument"],
        ctx.now,
        ctx.rng,
        tags,
        assertion_encryption_mode=mode,
        private_keys=keys,
    )
    result: Result = {"SAMLProviderArn": arn}
    if tags:
        result["Tags"] = tags_to_wire(tags)
    return result


def add_saml_provider(
    tx: Tx,
    account_id: str,
    name: str,
    document: str,
    now: datetime,
    rng: Rng,
    tags: Sequence[Tag] = (),
    *,
    assertion_encryption_mode: str = ALLOWED,
    private_keys: Sequence[SamlPrivateKey] = (),
) -> SamlProvider:
    """Parse ``document`` and store the provider (CreateSAMLProvider once authorized, and
    ``rolegate provider add-saml``). AWS's errors for bad metadata, quota and duplicates."""
    metadata = _metadata(document)
    tx.account_settings.lock_account(account_id)  # concurrent creates count one by one
    if tx.saml_providers.count(account_id) >= MAX_PROVIDERS_PER_ACCOUNT:
        raise LimitExceeded(
            f"Cannot exceed quota for SAMLProvidersPerAccount: {MAX_PROVIDERS_PER_ACCOUNT}"
        )
    provider = SamlProvider(
        provider_id=unique_id("", rng) + unique_id("", rng)[:9],
        account_id=account_id,
        name=name,
        arn=saml_provider_arn(account_id, name),
        metadata_document=document,
        entity_id=metadata.entity_id,
        certificates=metadata.certificates,
        create_date=now,
        valid_until=metadata.valid_until,
        tags=tuple(tags),
        assertion_encryption_mode=assertion_encryption_mode,
        private_keys=tuple(private_keys),
    )
    try:
        tx.saml_providers.create(provider)
    except Conflict:
        # unverified: AWS's wording
        raise EntityAlreadyExists(f"SAMLProvider {name} already exists.") from None
    return provider


def valid_until(provider: SamlProvider) -> datetime:
    """The metadata's validUntil; IAM always answers one, 100 years after the provider's
    creation when the metadata names none."""
    if provider.valid_until is not None:
        return provider.valid_until
    created = provider.create_date
    try:
        return created.replace(year=created.year + DEFAULT_VALIDITY_YEARS)
    except ValueError:  # 29 February
        return created.replace(year=created.year + DEFAULT_VALIDITY_YEARS, day=28)


def get_saml_provider(ctx: OperationContext, params: Params) -> Result:
    provider = load_saml_provider(ctx, params["SAMLProviderArn"], "iam:GetSAMLProvider")
    result: Result = {
        "SAMLProviderUUID": provider.provider_id,
        "SAMLMetadataDocument": provider.metadata_document,
        "CreateDate": provider.create_date,
        "ValidUntil": valid_until(provider),
        "Tags": tags_to_wire(provider.tags),
        **encryption_to_wire(provider.assertion_encryption_mode, provider.private_keys),
    }
    return result


def list_saml_providers(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:ListSAMLProviders", "*")
    entries: list[dict[str, Any]] = []
    for provider in ctx.tx.saml_providers.list(ctx.account_id):
        entries.append(
            {
                "Arn": provider.arn,
                "ValidUntil": valid_until(provider),
                "CreateDate": provider.create_date,
            }
        )
    return {"SAMLProviderList": entries}


def update_saml_provider(ctx: OperationContext, params: Params) -> Result:
    arn = params["SAMLProviderArn"]
    document = params.get("SAMLMetadataDocument")
    new_mode = params.get("AssertionEncryptionMode")
    removed = params.get("RemovePrivateKey")
    if all(params.get(name) is None for name in _UPDATES):
        parse_saml_provider_arn(arn)
        raise InvalidInput(NOTHING_TO_UPDATE)
    provider = load_saml_provider(ctx, arn, "iam:UpdateSAMLProvider", lock=True)
    added = new_private_key(params.get("AddPrivateKey"), ctx.now, ctx.rng)
    mode = new_mode or provider.assertion_encryption_mode
    check_key_change(provider.private_keys, mode, added, removed)
    if document is not None:
        metadata = _metadata(document)
        ctx.tx.saml_providers.update_metadata(
            provider.provider_id,
            metadata_document=document,
            entity_id=metadata.entity_id,
            certificates=metadata.certificates,
            valid_until=metadata.valid_until,
        )
    if added is not None:
        ctx.tx.saml_providers.add_private_key(provider.provider_id, added)
    if removed is not None:
        ctx.tx.saml_providers.remove_private_key(provider.provider_id, removed)
    if mode != provider.assertion_encryption_mode:
        ctx.tx.saml_providers.set_encryption_mode(provider.provider_id, mode)
    return {"SAMLProviderArn": provider.arn}


def delete_saml_provider(ctx: OperationContext, params: Params) -> Result:
    provider = load_saml_provider(ctx, params["SAMLProviderArn"], "iam:DeleteSAMLProvider")
    ctx.tx.saml_providers.delete(provider.provider_id)
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateSAMLProvider": create_saml_provider,
    "GetSAMLProvider": get_saml_provider,
    "ListSAMLProviders": list_saml_providers,
    "UpdateSAMLProvider": update_saml_provider,
    "DeleteSAMLProvider": delete_saml_provider,
}
