"""Outbound web identity federation, IAM's side: EnableOutboundWebIdentityFederation,
DisableOutboundWebIdentityFederation, GetOutboundWebIdentityFederationInfo
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOutboundWebIdentityFederation.html),
the discovery documents of each account's issuer, and the rotation of its signing keys.

The issuer URL is ``{public URL}/issuers/{issuer id}``: the id is made once per account, at the
first Enable, and kept across Disable and Enable, so that tokens issued before stay verifiable
(Disable "does not affect tokens that were issued before"). Enable makes one key per signing
algorithm; :func:`rotate_signing_keys` (``rolegate issuer rotate-keys``) replaces them, keeping
the retired keys published while a token they signed may still be alive.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rolegate.domain.errors import FeatureDisabled, FeatureEnabled
from rolegate.domain.outbound_federation import (
    RETIRED_KEY_PUBLISHED,
    SIGNING_ALGORITHMS,
    OutboundIssuer,
    SigningKey,
    issuer_url,
)
from rolegate.federation.outbound_tokens import (
    discovery_document,
    generate_key,
    jwks_document,
    new_key_id,
)
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.store import Conflict, Tx

# unverified: AWS's messages (the model's exception documentation, shortened)
ALREADY_ENABLED = "Outbound identity federation is already enabled for your account."
ALREADY_DISABLED = "Outbound identity federation is disabled for your account."


@dataclass(frozen=True, slots=True)
class IssuerBase:
    """The server's public URL (``--public-url``; by default the address it listens on)."""

    url: str

    def issuer(self, issuer_id: str) -> str:
        return issuer_url(self.url, issuer_id)


def _enable(base: IssuerBase) -> Handler:
    def enable(ctx: OperationContext, params: Params) -> Result:
        ctx.authorize("iam:EnableOutboundWebIdentityFederation", "*")
        repo = ctx.tx.outbound_federation
        issuer = repo.issuer(ctx.account_id, for_update=True)
        if issuer is not None:
            if issuer.enabled or not repo.set_enabled(ctx.account_id, True):
                raise FeatureEnabled(ALREADY_ENABLED)
            return {"IssuerIdentifier": base.issuer(issuer.issuer_id)}
        issuer = OutboundIssuer(ctx.account_id, _new_issuer_id(ctx), True, ctx.now)
        try:
            repo.create_issuer(issuer)
        except Conflict:  # a concurrent Enable of the same account won
            raise FeatureEnabled(ALREADY_ENABLED) from None
        for algorithm in SIGNING_ALGORITHMS:
            add_signing_key(ctx.tx, ctx.account_id, algorithm, ctx.now)
        return {"IssuerIdentifier": base.issuer(issuer.issuer_id)}

    return enable


def _disable(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:DisableOutboundWebIdentityFederation", "*")
    if not ctx.tx.outbound_federation.set_enabled(ctx.account_id, False):
        raise FeatureDisabled(ALREADY_DISABLED)
    return {}


def _get_info(base: IssuerBase) -> Handler:
    def get_info(ctx: OperationContext, params: Params) -> Result:
        """An account that never enabled the feature has no issuer: FeatureDisabled. Once
        made, the issuer is reported with its state (unverified: AWS may answer FeatureDisabled
        for a disabled one too)."""
        ctx.authorize("iam:GetOutboundWebIdentityFederationInfo", "*")
        issuer = ctx.tx.outbound_federation.issuer(ctx.account_id)
        if issuer is None:
            raise FeatureDisabled(ALREADY_DISABLED)
        return {
            "IssuerIdentifier": base.issuer(issuer.issuer_id),
            "JwtVendingEnabled": issuer.enabled,
        }

    return get_info


def _new_issuer_id(ctx: OperationContext) -> str:
    return str(uuid.UUID(int=ctx.rng.randrange(0, 1 << 128), version=4))


def add_signing_key(tx: Tx, account_id: str, algorithm: str, now: datetime) -> str:
    """A new active key of ``algorithm`` for the account; returns its key id."""
    key_id = new_key_id(algorithm)
    private_der, public_jwk = generate_key(algorithm, key_id)
    key = SigningKey(key_id, account_id, algorithm, public_jwk, now)
    tx.outbound_federation.add_key(key, private_der)
    return key_id


def rotate_signing_keys(tx: Tx, account_id: str, now: datetime) -> list[str] | None:
    """Retire the account's active keys and make new ones (which sign from now on); drop the
    keys retired long enough ago that no token they signed is alive. None without an issuer.

    A retired key stays in the JWKS for the longest token lifetime plus the JWKS's cache
    lifetime, so every token in flight stays verifiable and a verifier's cached JWKS never
    lacks a key it needs; verifiers fetch the JWKS again when a token names a new key id.
    """
    if tx.outbound_federation.issuer(account_id, for_update=True) is None:
        return None
    tx.outbound_federation.delete_retired_before(account_id, now - RETIRED_KEY_PUBLISHED)
    added = []
    for algorithm in SIGNING_ALGORITHMS:
        tx.outbound_federation.retire_active(account_id, algorithm, now)
        added.append(add_signing_key(tx, account_id, algorithm, now))
    return added


def issuer_document(
    tx: Tx, base: IssuerBase, issuer_id: str, document: str, now: datetime
) -> dict[str, Any] | None:
    """``openid-configuration`` or ``jwks.json`` of an issuer; None for an unknown issuer.
    Served while the feature is disabled too, for the tokens issued before."""
    issuer = tx.outbound_federation.issuer_by_id(issuer_id)
    if issuer is None:
        return None
    if document == "openid-configuration":
        return discovery_document(base.issuer(issuer_id))
    keys = tx.outbound_federation.keys(issuer.account_id)
    return jwks_document([key.public_jwk for key in keys if key.published_at(now)])


def handlers(base: IssuerBase) -> dict[str, Handler]:
    table: dict[str, Callable[[OperationContext, Params], Result]] = {
        "EnableOutboundWebIdentityFederation": _enable(base),
        "DisableOutboundWebIdentityFederation": _disable,
        "GetOutboundWebIdentityFederationInfo": _get_info(base),
    }
    return table
