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
from rolegate.services.sts import (
    assume_role,
    caller_identity,
    decode,
    federation_token,
    saml,
    session_token,
    web_identity,
    workloads,
)


def handlers(
    *,
    saml_audiences: frozenset[str] = frozenset(),
    web_identity_verifier: WebIdentityVerifier | None = None,
) -> dict[str, Handler]:
    """``saml_audiences``: this server's own endpoints, accepted in SAML responses' Recipient
    and Audience besides AWS's (``--saml-audience``); ``web_identity_verifier``: the node's, with
    its JWKS cache (``--oidc-ca-bundle``; None: system roots)."""
    return join_handlers(
        (
            caller_identity.HANDLERS,
            session_token.HANDLERS,
            federation_token.HANDLERS,
            assume_role.HANDLERS,
            decode.HANDLERS,
            saml.handlers(saml_audiences),
            web_identity.handlers(web_identity_verifier),
            workloads.HANDLERS,
        )
    )


__all__ = ["handlers"]
