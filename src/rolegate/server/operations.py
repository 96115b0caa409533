"""The table of implemented operations, keyed by (service, operation): IAM's and STS's, each
family's own table joined (``rolegate.services.iam.HANDLERS``, ``rolegate.services.sts``)."""

from __future__ import annotations

from rolegate.federation.oidc_verify import WebIdentityVerifier
from rolegate.services import iam, sts
from rolegate.services.context import Handler
from rolegate.services.iam import IssuerBase


def operation_table(
    *,
    saml_audiences: frozenset[str] = frozenset(),
    web_identity: WebIdentityVerifier | None = None,
    issuer_base: IssuerBase = sts.DEFAULT_ISSUER_BASE,
) -> dict[tuple[str, str], Handler]:
    """``saml_audiences``: this server's own endpoints, accepted in SAML responses' Recipient
    and Audience besides AWS's (``--saml-audience``); ``web_identity``: the node's verifier with
    its JWKS cache (``--oidc-ca-bundle``; None: system roots); ``issuer_base``: the public URL
    of the accounts' own OIDC issuers (``--public-url``)."""
    table = {("iam", name): handler for name, handler in iam.HANDLERS.items()}
    outbound = iam.outbound_federation_handlers(issuer_base)
    table.update({("iam", name): handler for name, handler in outbound.items()})
    sts_handlers = sts.handlers(
        saml_audiences=saml_audiences,
        web_identity_verifier=web_identity,
        issuer_base=issuer_base,
    )
    table.update({("sts", name): handler for name, handler in sts_handlers.items()})
    return table
