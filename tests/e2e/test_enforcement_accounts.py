"""The enforcement matrix for identity providers and the account-wide operations: each is
allowed by exactly its action (on the provider's ARN, or on ``*`` for account-wide actions) and
denied, with AWS's message, outside that scope or without it. The cases run as in
``test_enforcement_more`` (``run_case``); the federated STS calls are listed for the STS
coverage check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_enforcement_more import Case, Names, run_case

from rolegate.server.operations import operation_table
from saml_idp import SigningKey, metadata_document

from harness import ACCOUNT_ID, Node

OIDC_SCOPE = (f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/ok*",)
SAML_SCOPE = (f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/ok*",)
THUMBPRINT = "a" * 40
TAGS = [{"Key": "team", "Value": "blue"}]
_KEY = SigningKey.generate()
_ANY = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'


def _url(name: str) -> str:
    return f"https://{name}.example.com"


def _oidc_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{name}.example.com"


def _saml_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/{name}"


def _metadata(name: str) -> str:
    return str(metadata_document(f"https://{name}.idp.example.com", [_KEY]))


def _oidc(root: Any, n: Names) -> None:
    root.create_open_id_connect_provider(
        Url=_url(n.name), ClientIDList=["app"], ThumbprintList=[THUMBPRINT], Tags=TAGS
    )


def _saml(root: Any, n: Names) -> None:
    root.create_saml_provider(Name=n.name, SAMLMetadataDocument=_metadata(n.name), Tags=TAGS)


def _on_oidc(action: str, setup: Callable[[Any, Names], Any], call: str, **params: Any) -> Case:
    def named(name: str) -> Callable[[Any, Names], Any]:
        return lambda c, n: getattr(c, call)(
            OpenIDConnectProviderArn=_oidc_arn(getattr(n, name)), **params
        )

    return Case(
        action,
        setup,
        named("name"),
        lambda n: _oidc_arn(n.name),
        named("other"),
        lambda n: _oidc_arn(n.other),
        scope=OIDC_SCOPE,
    )


def _on_saml(action: str, setup: Callable[[Any, Names], Any], call: str, **params: Any) -> Case:
    def named(name: str) -> Callable[[Any, Names], Any]:
        def invoke(client: Any, n: Names) -> Any:
            extra = {k: (v(n) if callable(v) else v) for k, v in params.items()}
            return getattr(client, call)(SAMLProviderArn=_saml_arn(getattr(n, name)), **extra)

        return invoke

    return Case(
        action,
        setup,
        named("name"),
        lambda n: _saml_arn(n.name),
        named("other"),
        lambda n: _saml_arn(n.other),
        scope=SAML_SCOPE,
    )


def _remember_root(root: Any, n: Names) -> None:
    n.found["root"] = root


def _then_restore(
    call: Callable[[Any, Names], Any], undo: Callable[[Any, Names], Any]
) -> Callable[[Any, Names], Any]:
    """An account-wide call whose effect the root user (``undo(root, names)``) reverts at once:
    the account is shared with the rest of the suite."""

    def invoke(client: Any, n: Names) -> Any:
        answer = call(client, n)
        undo(n.found["root"], n)
        return answer

    return invoke


def _account_wide(
    action: str,
    call: Callable[[Any, Names], Any],
    setup: Callable[[Any, Names], Any] = _remember_root,
) -> Case:
    """Actions with no resource type: the statement allows ``*``, the denial names none."""
    return Case(action, setup, call, lambda n: "*", scope=("*",))


def _with_password_policy(root: Any, n: Names) -> None:
    _remember_root(root, n)
    root.update_account_password_policy(MinimumPasswordLength=12)


ACCOUNT_CASES: dict[str, Case] = {
    # --- OpenID Connect providers ---------------------------------------------------------------
    "CreateOpenIDConnectProvider": Case(
        "iam:CreateOpenIDConnectProvider",
        lambda root, n: None,
        lambda c, n: c.create_open_id_connect_provider(
            Url=_url(n.name), ClientIDList=["app"], ThumbprintList=[THUMBPRINT]
        ),
        lambda n: _oidc_arn(n.name),
        lambda c, n: c.create_open_id_connect_provider(
            Url=_url(n.other), ClientIDList=["app"], ThumbprintList=[THUMBPRINT]
        ),
        lambda n: _oidc_arn(n.other),
        scope=OIDC_SCOPE,
    ),
    "GetOpenIDConnectProvider": _on_oidc(
        "iam:GetOpenIDConnectProvider", _oidc, "get_open_id_connect_provider"
    ),
    "DeleteOpenIDConnectProvider": _on_oidc(
        "iam:DeleteOpenIDConnectProvider", _oidc, "delete_open_id_connect_provider"
    ),
    "AddClientIDToOpenIDConnectProvider": _on_oidc(
        "iam:AddClientIDToOpenIDConnectProvider",
        _oidc,
        "add_client_id_to_open_id_connect_provider",
        ClientID="other-app",
    ),
    "RemoveClientIDFromOpenIDConnectProvider": _on_oidc(
        "iam:RemoveClientIDFromOpenIDConnectProvider",
        _oidc,
        "remove_client_id_from_open_id_connect_provider",
        ClientID="app",
    ),
    "UpdateOpenIDConnectProvider": _on_oidc(
        "iam:UpdateOpenIDConnectProvider",
        _oidc,
        "update_open_id_connect_provider",
        ContextProvider={"SubjectSourceKey": "sub"},
    ),
    "UpdateOpenIDConnectProviderThumbprint": _on_oidc(
        "iam:UpdateOpenIDConnectProviderThumbprint",
        _oidc,
        "update_open_id_connect_provider_thumbprint",
        ThumbprintList=["b" * 40],
    ),
    "TagOpenIDConnectProvider": _on_oidc(
        "iam:TagOpenIDConnectProvider", _oidc, "tag_open_id_connect_provider", Tags=TAGS
    ),
    "UntagOpenIDConnectProvider": _on_oidc(
        "iam:UntagOpenIDConnectProvider", _oidc, "untag_open_id_connect_provider", TagKeys=["team"]
    ),
    "ListOpenIDConnectProviderTags": _on_oidc(
        "iam:ListOpenIDConnectProviderTags", _oidc, "list_open_id_connect_provider_tags"
    ),
    "ListOpenIDConnectProviders": _account_wide(
        "iam:ListOpenIDConnectProviders", lambda c, n: c.list_open_id_connect_providers()
    ),
    # --- SAML providers -------------------------------------------------------------------------
    "CreateSAMLProvider": Case(
        "iam:CreateSAMLProvider",
        lambda root, n: None,
        lambda c, n: c.create_saml_provider(Name=n.name, SAMLMetadataDocument=_metadata(n.name)),
        lambda n: _saml_arn(n.name),
        lambda c, n: c.create_saml_provider(Name=n.other, SAMLMetadataDocument=_metadata(n.other)),
        lambda n: _saml_arn(n.other),
        scope=SAML_SCOPE,
    ),
    "GetSAMLProvider": _on_saml("iam:GetSAMLProvider", _saml, "get_saml_provider"),
    "DeleteSAMLProvider": _on_saml("iam:DeleteSAMLProvider", _saml, "delete_saml_provider"),
    "UpdateSAMLProvider": _on_saml(
        "iam:UpdateSAMLProvider",
        _saml,
        "update_saml_provider",
        SAMLMetadataDocument=lambda n: _metadata(n.name),
    ),
    "TagSAMLProvider": _on_saml("iam:TagSAMLProvider", _saml, "tag_saml_provider", Tags=TAGS),
    "UntagSAMLProvider": _on_saml(
        "iam:UntagSAMLProvider", _saml, "untag_saml_provider", TagKeys=["team"]
    ),
    "ListSAMLProviderTags": _on_saml("iam:ListSAMLProviderTags", _saml, "list_saml_provider_tags"),
    "ListSAMLProviders": _account_wide(
        "iam:ListSAMLProviders", lambda c, n: c.list_saml_providers()
    ),
    # --- account-wide ---------------------------------------------------------------------------
    "CreateAccountAlias": _account_wide(
        "iam:CreateAccountAlias",
        _then_restore(
            lambda c, n: c.create_account_alias(AccountAlias=n.name),
            lambda root, n: root.delete_account_alias(AccountAlias=n.name),
        ),
    ),
    "DeleteAccountAlias": _account_wide(
        "iam:DeleteAccountAlias",
        lambda c, n: c.delete_account_alias(AccountAlias=n.name),
        lambda root, n: root.create_account_alias(AccountAlias=n.name),
    ),
    "ListAccountAliases": _account_wide(
        "iam:ListAccountAliases", lambda c, n: c.list_account_aliases()
    ),
    "GetAccountSummary": _account_wide(
        "iam:GetAccountSummary", lambda c, n: c.get_account_summary()
    ),
    "GetAccountAuthorizationDetails": _account_wide(
        "iam:GetAccountAuthorizationDetails",
        lambda c, n: c.get_account_authorization_details(Filter=["Group"], MaxItems=1),
    ),
    "GetAccountPasswordPolicy": _account_wide(
        "iam:GetAccountPasswordPolicy",
        _then_restore(
            lambda c, n: c.get_account_password_policy(),
            lambda root, n: root.delete_account_password_policy(),
        ),
        _with_password_policy,
    ),
    "UpdateAccountPasswordPolicy": _account_wide(
        "iam:UpdateAccountPasswordPolicy",
        _then_restore(
            lambda c, n: c.update_account_password_policy(MinimumPasswordLength=10),
            lambda root, n: root.delete_account_password_policy(),
        ),
    ),
    # The simulator's Custom pair simulates only the policies the request carries: on "*".
    "SimulateCustomPolicy": _account_wide(
        "iam:SimulateCustomPolicy",
        lambda c, n: c.simulate_custom_policy(PolicyInputList=[_ANY], ActionNames=["s3:GetObject"]),
    ),
    "GetContextKeysForCustomPolicy": _account_wide(
        "iam:GetContextKeysForCustomPolicy",
        lambda c, n: c.get_context_keys_for_custom_policy(PolicyInputList=[_ANY]),
    ),
    "GetAccountProperties": _account_wide(
        "iam:GetAccountProperties", lambda c, n: c.get_account_properties()
    ),
    "PutAccountProperties": _account_wide(
        "iam:PutAccountProperties",
        lambda c, n: c.put_account_properties(Properties={f"rolegate-test/{n.name}": "true"}),
    ),
    # Sets AWS's default, which the shared account keeps.
    "SetSecurityTokenServicePreferences": _account_wide(
        "iam:SetSecurityTokenServicePreferences",
        lambda c, n: c.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token"),
    ),
    "DeleteAccountPasswordPolicy": _account_wide(
        "iam:DeleteAccountPasswordPolicy",
        lambda c, n: c.delete_account_password_policy(),
        _with_password_policy,
    ),
}


@pytest.mark.parametrize("operation", sorted(ACCOUNT_CASES))
def test_allowed_and_denied(operation: str, node: Node) -> None:
    # an operation of the matrix that the server no longer answers fails, never skips
    assert ("iam", operation) in operation_table(), f"{operation} is not in operation_table()"
    run_case(ACCOUNT_CASES[operation], node)
