"""Account-wide settings without a family of their own: GetAccountProperties and
PutAccountProperties (key-value pairs named ``Namespace/PropertyName``,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutAccountProperties.html), and
SetSecurityTokenServicePreferences (the version of the tokens STS's global endpoint issues,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html), which
GetAccountSummary's ``GlobalEndpointTokenVersion`` reports.

rolegate keeps the properties it is given and answers them back; it knows no property's meaning,
so it checks only their form: every key ``Namespace/PropertyName``, one namespace per request.
"""

from __future__ import annotations

from rolegate.domain.errors import InvalidInput
from rolegate.services.context import Handler, OperationContext, Params, Result

# AWS's default for an account that never chose (version 1: valid in the Regions enabled by
# default).
DEFAULT_TOKEN_VERSION = "v1Token"
TOKEN_VERSION_NUMBERS = {"v1Token": 1, "v2Token": 2}
NOT_NAMESPACED = "Property key {key} must be in Namespace/PropertyName format."  # unverified
MIXED_NAMESPACES = "All properties in a request must belong to the same namespace."  # unverified


def token_version(ctx: OperationContext) -> int:
    """The account's global endpoint token version as GetAccountSummary counts it (1 or 2)."""
    chosen = ctx.tx.account_settings.global_endpoint_token_version(ctx.account_id)
    return TOKEN_VERSION_NUMBERS[chosen or DEFAULT_TOKEN_VERSION]


def get_account_properties(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetAccountProperties", "*")
    return {"Properties": ctx.tx.account_settings.account_properties(ctx.account_id)}


def put_account_properties(ctx: OperationContext, params: Params) -> Result:
    properties: dict[str, str] = dict(params["Properties"])
    namespaces = set()
    for key in properties:
        namespace, _, name = key.partition("/")
        if not namespace or not name:
            raise InvalidInput(NOT_NAMESPACED.format(key=key))
        namespaces.add(namespace)
    ctx.authorize(
        "iam:PutAccountProperties",
        "*",
        context={"iam:AccountPropertyNamespaces": sorted(namespaces)},
    )
    if len(namespaces) > 1:
        raise InvalidInput(MIXED_NAMESPACES)
    ctx.tx.account_settings.put_account_properties(ctx.account_id, properties)
    return {}


def set_security_token_service_preferences(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:SetSecurityTokenServicePreferences", "*")
    version = params["GlobalEndpointTokenVersion"]
    ctx.tx.account_settings.set_global_endpoint_token_version(ctx.account_id, version)
    return {}


HANDLERS: dict[str, Handler] = {
    "GetAccountProperties": get_account_properties,
    "PutAccountProperties": put_account_properties,
    "SetSecurityTokenServicePreferences": set_security_token_service_preferences,
}
