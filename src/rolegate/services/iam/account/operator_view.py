"""The account's authorization details and identity providers for the operator's own commands
(``rolegate graph``), read from the database directly: the same GetAccountAuthorizationDetails,
ListOpenIDConnectProviders and ListSAMLProviders answers an API caller gets, every page, without
an API caller to authorize (whoever opens the database is the operator)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Tag
from rolegate.services.context import ContextValues, OperationContext, ResourcePolicy
from rolegate.services.iam.account.authorization_details import get_account_authorization_details
from rolegate.services.iam.providers.oidc import list_oidc_providers
from rolegate.services.iam.providers.saml import list_saml_providers
from rolegate.store import Tx

_PAGE = 1000  # GetAccountAuthorizationDetails' largest MaxItems


class _Operator:
    """The operator's commands act on the database itself: nothing to authorize."""

    def require(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: ResourcePolicy | None = None,
    ) -> None:
        return None

    def principal_tags(self) -> tuple[Tag, ...]:
        return ()


def account_authorization_view(tx: Tx, account_id: str, now: datetime) -> dict[str, Any]:
    """``{"Details": every page of GetAccountAuthorizationDetails merged,
    "OpenIDConnectProviderList": [...], "SAMLProviderList": [...]}`` for ``account_id``."""
    ctx = OperationContext(
        caller=Caller(account_id, "root", f"arn:aws:iam::{account_id}:root", account_id),
        region="us-east-1",
        request_id="operator",
        now=now,
        tx=tx,
        rng=secrets.SystemRandom(),
        authorizer=_Operator(),
    )
    details: dict[str, list[Any]] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    params: dict[str, Any] = {"MaxItems": _PAGE}
    while True:
        page = get_account_authorization_details(ctx, params)
        for element, entries in details.items():
            entries.extend(page.get(element, ()))
        if not page.get("IsTruncated"):
            break
        params = {"MaxItems": _PAGE, "Marker": page["Marker"]}
    return {
        "Details": details,
        "OpenIDConnectProviderList": list_oidc_providers(ctx, {})["OpenIDConnectProviderList"],
        "SAMLProviderList": list_saml_providers(ctx, {})["SAMLProviderList"],
    }
