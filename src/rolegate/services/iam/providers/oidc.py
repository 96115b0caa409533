"""IAM OpenID Connect identity providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
ListOpenIDConnectProviders, DeleteOpenIDConnectProvider, AddClientIDToOpenIDConnectProvider,
RemoveClientIDFromOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Their tags are
``iam.tagging``'s
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_idps_oidc.html).

URL rules (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html):
``https://`` and a host; case-sensitive; unique per
account; no query, fragment or user info. AWS asks for no port; rolegate accepts one (an issuer
on a non-standard port, as in tests), and says so in docs/federation.md. The provider is stored and
named
by the URL without its scheme. Up to 100 client ids, 0 to 5 thumbprints of 40 hex characters,
100 providers per account. Adding a client id it has, or removing one it lacks, changes nothing
and succeeds, as AWS documents for both operations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from rolegate.domain.entities import Tag
from rolegate.domain.errors import EntityAlreadyExists, InvalidInput, LimitExceeded, NoSuchEntity
from rolegate.domain.ids import Rng, unique_id
from rolegate.domain.oidc_provider import OidcProvider, oidc_provider_arn
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._arns import invalid_arn
from rolegate.services.iam.providers.context_provider import (
    context_provider_json,
    context_provider_to_wire,
    no_identity_center,
)
from rolegate.store import Conflict, Tx

MAX_PROVIDERS_PER_ACCOUNT = 100
MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5
# unverified: AWS's wording for a URL that breaks the rules
INVALID_URL = "Invalid Open ID Connect Provider URL"
_PROVIDER_ARN = re.compile(r"arn:aws:iam::(\d{12}):oidc-provider/(\S{1,255})")
_THUMBPRINT = re.compile(r"[0-9A-Fa-f]{40}")


def provider_url(url: str) -> str:
    """The provider's URL without ``https://``, as stored and as its ARN names it."""
    parts = urlsplit(url)
    if (
        not url.startswith("https://")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
        or any(c.isspace() for c in url)
        or url.endswith("?")
        or url.endswith("#")
    ):
        raise InvalidInput(INVALID_URL)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise InvalidInput(INVALID_URL) from None
    return url[len("https://") :]


def parse_oidc_provider_arn(arn: str) -> tuple[str, str]:
    """(account, URL without scheme) of an OIDC provider ARN; InvalidInput as IAM answers."""
    match = _PROVIDER_ARN.fullmatch(arn)
    if match is None:
        raise invalid_arn(arn)
    return match.group(1), match.group(2)


def no_such_provider(arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"OpenId connect Provider {arn} cannot be found.")


def load_oidc_provider(
    ctx: OperationContext, arn: str, action: str, *, lock: bool = False
) -> OidcProvider:
    """The caller's provider named by ``arn``, once the caller may perform ``action`` on it.
    Another account's provider is as missing as one that does not exist."""
    account, url = parse_oidc_provider_arn(arn)
    ctx.authorize(action, arn)
    provider = None
    if account == ctx.account_id:
        provider = ctx.tx.oidc_providers.get(account, url, for_update=lock)
    if provider is None:
        raise no_such_provider(arn)
    return provider


def client_ids(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct client ids in the order given; at most 100."""
    unique = tuple(dict.fromkeys(values))
    if len(unique) > MAX_CLIENT_IDS:
        # unverified: IAM's quota wording, as for its other quotas
        raise LimitExceeded(
            f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )
    return unique


def thumbprints(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct thumbprints, lower-cased; 40 hex characters each (the wire checks the length);
    at most 5."""
    found = []
    for value in values:
        if not _THUMBPRINT.fullmatch(value):
            # unverified: AWS's wording for a thumbprint that is not hex
            raise InvalidInput(f"Thumbprint {value} is not a valid SHA-1 hex fingerprint.")
        found.append(value.lower())
    unique = tuple(dict.fromkeys(found))
    if len(unique) > MAX_THUMBPRINTS:
        raise InvalidInput(f"Thumbprint list must contain fewer than {MAX_THUMBPRINTS} entries.")
    return unique


def create_oidc_provider(ctx: OperationContext, params: Params) -> Result:
    url = provider_url(params["Url"])
    arn = oidc_provider_arn(ctx.account_id, url)
    ctx.authorize("iam:CreateOpenIDConnectProvider", arn)
    tags = tags_from_params(params.get("Tags"))
    if tags:
        ctx.authorize("iam:TagOpenIDConnectProvider", arn)
    if "IdentityCenterInstanceArn" in params:
        raise no_identity_center(params["IdentityCenterInstanceArn"])
    context = params.get("ContextProvider")
    stored_context = None if context is None else context_provider_json(context)
    provider = add_oidc_provider(
        ctx.tx,
        ctx.account_id,
        params["Url"],
        params.get("ClientIDList") or (),
        params.get("ThumbprintList") or (),
        ctx.now,
        ctx.rng,
        tags,
    )
    if stored_context is not None:
        ctx.tx.oidc_providers.set_context_provider(provider.provider_id, stored_context)
    result: Result = {"OpenIDConnectProviderArn": arn}
    if tags:
        result["Tags"] = tags_to_wire(tags)
    return result


def add_oidc_provider(
    tx: Tx,
    account_id: str,
    url: str,
    ids: Iterable[str],
    prints: Iterable[str],
    now: datetime,
    rng: Rng,
    tags: Sequence[Tag] = (),
) -> OidcProvider:
    """Check and store a provider (CreateOpenIDConnectProvider once authorized, and
    ``rolegate provider add-oidc``), with IAM's errors for URL, lists, quota and duplicates."""
    bare = provider_url(url)
    client_id_list = client_ids(ids)
    thumbprint_list = thumbprints(prints)
    tx.account_settings.lock_account(account_id)  # concurrent creates count one by one
    if len(tx.oidc_providers.list(account_id)) >= MAX_PROVIDERS_PER_ACCOUNT:
        raise LimitExceeded(
            f"Cannot exceed quota for OpenIdConnectProvidersPerAccount: {MAX_PROVIDERS_PER_ACCOUNT}"
        )
    provider = OidcProvider(
        provider_id=unique_id("", rng) + unique_id("", rng)[:9],
        account_id=account_id,
        url=bare,
        arn=oidc_provider_arn(account_id, bare),
        client_ids=client_id_list,
        thumbprints=thumbprint_list,
        create_date=now,
        tags=tuple(tags),
    )
    try:
        tx.oidc_providers.create(provider)
    except Conflict:
        raise EntityAlreadyExists(f"Provider with url https://{bare} already exists.") from None
    return provider


def get_oidc_provider(ctx: OperationContext, params: Params) -> Result:
    provider = load_oidc_provider(
        ctx, params["OpenIDConnectProviderArn"], "iam:GetOpenIDConnectProvider"
    )
    out: Result = {
        "Url": provider.url,
        "ClientIDList": list(provider.client_ids),
        "ThumbprintList": list(provider.thumbprints),
        "CreateDate": provider.create_date,
        "Tags": tags_to_wire(provider.tags),
    }
    if provider.context_provider is not None:
        out["ContextProvider"] = context_provider_to_wire(provider.context_provider)
    return out


def list_oidc_providers(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:ListOpenIDConnectProviders", "*")
    providers = ctx.tx.oidc_providers.list(ctx.account_id)
    return {"OpenIDConnectProviderList": [{"Arn": p.arn} for p in providers]}


def delete_oidc_provider(ctx: OperationContext, params: Params) -> Result:
    provider = load_oidc_provider(
        ctx, params["OpenIDConnectProviderArn"], "iam:DeleteOpenIDConnectProvider", lock=True
    )
    ctx.tx.oidc_providers.delete(provider.provider_id)
    return {}


def add_client_id(ctx: OperationContext, params: Params) -> Result:
    provider = load_oidc_provider(
        ctx,
        params["OpenIDConnectProviderArn"],
        "iam:AddClientIDToOpenIDConnectProvider",
        lock=True,
    )
    if params["ClientID"] not in provider.client_ids:
        ids = client_ids((*provider.client_ids, params["ClientID"]))
        ctx.tx.oidc_providers.set_client_ids(provider.provider_id, ids)
    return {}


def remove_client_id(ctx: OperationContext, params: Params) -> Result:
    provider = load_oidc_provider(
        ctx,
        params["OpenIDConnectProviderArn"],
        "iam:RemoveClientIDFromOpenIDConnectProvider",
        lock=True,
    )
    if params["ClientID"] in provider.client_ids:
        ids = [cid for cid in provider.client_ids if cid != params["ClientID"]]
        ctx.tx.oidc_providers.set_client_ids(provider.provider_id, ids)
    return {}


def update_thumbprints(ctx: OperationContext, params: Params) -> Result:
    prints = thumbprints(params["ThumbprintList"])
    provider = load_oidc_provider(
        ctx,
        params["OpenIDConnectProviderArn"],
        "iam:UpdateOpenIDConnectProviderThumbprint",
        lock=True,
    )
    ctx.tx.oidc_providers.set_thumbprints(provider.provider_id, prints)
    return {}


# unverified wordings (API_UpdateOpenIDConnectProvider states the rules)
BOTH_CONTEXT = "ContextProvider and RemoveContextProvider cannot both be specified."
BOTH_INSTANCE = (
    "IdentityCenterInstanceArn and RemoveIdentityCenterInstance cannot both be specified."
)
CONTEXT_AND_INSTANCE = (
    "A single request can change either the context provider or the IAM Identity Center "
    "association, but not both."
)
NOTHING_TO_UPDATE = "Specify a context provider or an IAM Identity Center association to change."


def update_oidc_provider(ctx: OperationContext, params: Params) -> Result:
    """Set or remove the context provider; an IAM Identity Center association can only be
    removed (there is none to make: rolegate has no Identity Center)."""
    provider = load_oidc_provider(
        ctx, params["OpenIDConnectProviderArn"], "iam:UpdateOpenIDConnectProvider", lock=True
    )
    context, remove_context = params.get("ContextProvider"), params.get("RemoveContextProvider")
    instance, remove_instance = (
        params.get("IdentityCenterInstanceArn"),
        params.get("RemoveIdentityCenterInstance"),
    )
    if context is not None and remove_context:
        raise InvalidInput(BOTH_CONTEXT)
    if instance is not None and remove_instance:
        raise InvalidInput(BOTH_INSTANCE)
    changes_context = context is not None or bool(remove_context)
    changes_instance = instance is not None or bool(remove_instance)
    if changes_context and changes_instance:
        raise InvalidInput(CONTEXT_AND_INSTANCE)
    if not (changes_context or changes_instance):
        raise InvalidInput(NOTHING_TO_UPDATE)
    if instance is not None:
        raise no_identity_center(instance)
    if changes_context:
        stored = None if context is None else context_provider_json(context)
        ctx.tx.oidc_providers.set_context_provider(provider.provider_id, stored)
    return {}


HANDLERS: dict[str, Handler] = {
    "UpdateOpenIDConnectProvider": update_oidc_provider,
    "CreateOpenIDConnectProvider": create_oidc_provider,
    "GetOpenIDConnectProvider": get_oidc_provider,
    "ListOpenIDConnectProviders": list_oidc_providers,
    "DeleteOpenIDConnectProvider": delete_oidc_provider,
    "AddClientIDToOpenIDConnectProvider": add_client_id,
    "RemoveClientIDFromOpenIDConnectProvider": remove_client_id,
    "UpdateOpenIDConnectProviderThumbprint": update_thumbprints,
}
