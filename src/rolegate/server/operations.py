"""The table of implemented operations, keyed by (service, operation), built from each service."""

from __future__ import annotations

from rolegate.federation.oidc_verify import WebIdentityVerifier
from rolegate.services import (
    access_keys,
    account_aliases,
    account_authorization_details,
    account_summary,
    attachments,
    group_policies,
    groups,
    instance_profiles,
    managed_policies,
    mfa,
    mfa_tags,
    oidc_providers,
    password_policy,
    policy_versions,
    role_policies,
    roles,
    saml_providers,
    service_linked_roles,
    sts,
    sts_decode,
    sts_saml,
    sts_web_identity,
    user_policies,
    users,
)
from rolegate.services.context import Handler


def operation_table(
    *,
    saml_audiences: frozenset[str] = frozenset(),
    web_identity: WebIdentityVerifier | None = None,
) -> dict[tuple[str, str], Handler]:
    """``saml_audiences``: this server's own endpoints, accepted in SAML responses' Recipient
    and Audience besides AWS's (``--saml-audience``)."""
    table: dict[tuple[str, str], Handler] = {}
    for service, module in (
        ("iam", roles),
        ("iam", role_policies),
        ("iam", managed_policies),
        ("iam", policy_versions),
        ("iam", attachments),
        ("sts", sts),
        ("sts", sts_decode),
        ("iam", mfa),
        ("iam", mfa_tags),
        ("iam", users),
        ("iam", user_policies),
        ("iam", access_keys),
        ("iam", instance_profiles),
        ("iam", service_linked_roles),
        ("iam", oidc_providers),
        ("iam", saml_providers),
        ("iam", account_aliases),
        ("iam", password_policy),
        ("iam", account_summary),
        ("iam", account_authorization_details),
        ("iam", groups),
        ("iam", group_policies),
    ):
        for name, handler in module.operations().items():
            table[(service, name)] = handler
    table.update({("sts", n): h for n, h in sts_saml.operations(saml_audiences).items()})
    # The node's verifier holds its JWKS cache (``--oidc-ca-bundle``); None: system roots.
    table.update({("sts", n): h for n, h in sts_web_identity.operations(web_identity).items()})
    return table
