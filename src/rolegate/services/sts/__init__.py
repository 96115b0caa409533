"""STS (https://docs.aws.amazon.com/STS/latest/APIReference/): one module per operation, plus
what the operations that issue temporary credentials share (``credentials``, ``role_session``)
and what a SAML assertion means to AssumeRoleWithSAML (``saml_claims``); ``workloads`` is
rolegate's own AssumeRoleForWorkload (role sessions that a service assumes for a workload).

:func:`handlers` maps every implemented STS operation to its handler; AssumeRoleWithSAML and
AssumeRoleWithWebIdentity are bound to the server's settings (its own SAML endpoints, its OIDC
key cache).
"""

from rolegate.federation.oidc_verify import WebIdentityVerifier
from rolegate.services.context import Handler, join_handlers
from rolegate.services.iam import IssuerBase
from rolegate.services.sts import (
    assume_role,
    assume_root,
    caller_identity,
    decode,
    delegated_access_token,
    federation_token,
    saml,
    scoped_credentials,
    session_token,
    web_identity,
    web_identity_token,
    workloads,
)
from rolegate.services.sts.console_session import console_credentials

# The address ``rolegate serve`` listens on by default.
DEFAULT_ISSUER_BASE = IssuerBase("http://127.0.0.1:4566")


def handlers(
    *,
    saml_audiences: frozenset[str] = frozenset(),
    web_identity_verifier: WebIdentityVerifier | None = None,
    issuer_base: IssuerBase = DEFAULT_ISSUER_BASE,
) -> dict[str, Handler]:
    """``saml_audiences``: this server's own endpoints, accepted in SAML responses' Recipient
    and Audience besides AWS's (``--saml-audience``); ``web_identity_verifier``: the node's, with
    its JWKS cache (``--oidc-ca-bundle``; None: system roots); ``issuer_base``: the public URL
    the accounts' own issuers live under (``--public-url``), for GetWebIdentityToken."""
    return join_handlers(
        (
            caller_identity.HANDLERS,
            session_token.HANDLERS,
            scoped_credentials.HANDLERS,
            federation_token.HANDLERS,
            assume_role.HANDLERS,
            decode.HANDLERS,
            saml.handlers(saml_audiences),
            web_identity.handlers(web_identity_verifier),
            workloads.HANDLERS,
            web_identity_token.handlers(issuer_base),
            assume_root.HANDLERS,
            delegated_access_token.HANDLERS,
        )
    )


__all__ = ["DEFAULT_ISSUER_BASE", "console_credentials", "handlers"]
