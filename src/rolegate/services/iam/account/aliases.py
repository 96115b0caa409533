"""The account alias: CreateAccountAlias, ListAccountAliases, DeleteAccountAlias
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: one alias per account,
unique across all accounts; 3-63 characters of
lowercase letters, digits and single hyphens, neither first nor last, checked by the model's
pattern in the wire layer; not a 12-digit number).

CreateAccountAlias on an account that has an alias replaces it, as the console's "edit" does
(it calls the same operation); asking for the alias the account already has succeeds unchanged.
"""

from __future__ import annotations

from rolegate.domain.errors import EntityAlreadyExists, NoSuchEntity, ValidationError
from rolegate.services._pagination import page_by_position
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.store import Conflict


def create_account_alias(ctx: OperationContext, params: Params) -> Result:
    alias = params["AccountAlias"]
    ctx.authorize("iam:CreateAccountAlias", "*")
    if len(alias) == 12 and alias.isdigit():
        # A 12-digit alias would read as an account id in sign-in URLs.
        raise ValidationError("The account alias cannot be a 12-digit number.")  # unverified
    ctx.tx.account_settings.lock_account(ctx.account_id)
    try:
        ctx.tx.account_settings.set_alias(ctx.account_id, alias)
    except Conflict:
        raise EntityAlreadyExists(
            f"The account alias {alias} already exists."
        ) from None  # unverified
    return {}


def list_account_aliases(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:ListAccountAliases", "*")
    alias = ctx.tx.account_settings.alias(ctx.account_id)
    return page_by_position([] if alias is None else [alias], "AccountAliases", params)


def delete_account_alias(ctx: OperationContext, params: Params) -> Result:
    alias = params["AccountAlias"]
    ctx.authorize("iam:DeleteAccountAlias", "*")
    if not ctx.tx.account_settings.delete_alias(ctx.account_id, alias):
        raise NoSuchEntity(f"The account alias {alias} cannot be found.")  # unverified
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateAccountAlias": create_account_alias,
    "ListAccountAliases": list_account_aliases,
    "DeleteAccountAlias": delete_account_alias,
}
