"""The account password policy: GetAccountPasswordPolicy, UpdateAccountPasswordPolicy,
DeleteAccountPasswordPolicy (id_credentials_passwords_account-policy.md).

Applied to console passwords by ``credentials.login_profiles`` (``credentials.passwords``).
UpdateAccountPasswordPolicy replaces the whole policy, every parameter left out reverting to its
default; the model's ranges (MinimumPasswordLength 6-128, MaxPasswordAge 1-1095,
PasswordReusePrevention 1-24) are checked by the wire layer with AWS's ValidationError.
"""

from __future__ import annotations

from typing import Any

from rolegate.domain.errors import NoSuchEntity
from rolegate.domain.password_policy import DEFAULT_MINIMUM_PASSWORD_LENGTH, PasswordPolicy
from rolegate.services.context import Handler, OperationContext, Params, Result


def _no_policy(ctx: OperationContext) -> NoSuchEntity:
    return NoSuchEntity("The account policy with name PasswordPolicy cannot be found.")


def password_policy_to_wire(policy: PasswordPolicy) -> dict[str, Any]:
    """The ``PasswordPolicy`` shape: MaxPasswordAge, PasswordReusePrevention and HardExpiry only
    when set; ExpirePasswords follows MaxPasswordAge."""
    out: dict[str, Any] = {
        "MinimumPasswordLength": policy.minimum_password_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase_characters,
        "RequireLowercaseCharacters": policy.require_lowercase_characters,
        "AllowUsersToChangePassword": policy.allow_users_to_change_password,
        "ExpirePasswords": policy.expire_passwords,
    }
    if policy.max_password_age is not None:
        out["MaxPasswordAge"] = policy.max_password_age
    if policy.password_reuse_prevention is not None:
        out["PasswordReusePrevention"] = policy.password_reuse_prevention
    if policy.hard_expiry is not None:
        out["HardExpiry"] = policy.hard_expiry
    return out


def get_account_password_policy(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetAccountPasswordPolicy", "*")
    policy = ctx.tx.account_settings.password_policy(ctx.account_id)
    if policy is None:
        raise _no_policy(ctx)
    return {"PasswordPolicy": password_policy_to_wire(policy)}


def update_account_password_policy(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:UpdateAccountPasswordPolicy", "*")
    policy = PasswordPolicy(
        minimum_password_length=params.get("MinimumPasswordLength")
        or DEFAULT_MINIMUM_PASSWORD_LENGTH,
        require_symbols=bool(params.get("RequireSymbols")),
        require_numbers=bool(params.get("RequireNumbers")),
        require_uppercase_characters=bool(params.get("RequireUppercaseCharacters")),
        require_lowercase_characters=bool(params.get("RequireLowercaseCharacters")),
        allow_users_to_change_password=bool(params.get("AllowUsersToChangePassword")),
        max_password_age=params.get("MaxPasswordAge"),
        password_reuse_prevention=params.get("PasswordReusePrevention"),
        hard_expiry=params.get("HardExpiry"),
    )
    ctx.tx.account_settings.put_password_policy(ctx.account_id, policy)
    return {}


def delete_account_password_policy(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:DeleteAccountPasswordPolicy", "*")
    if not ctx.tx.account_settings.delete_password_policy(ctx.account_id):
        raise _no_policy(ctx)  # unverified: the message GetAccountPasswordPolicy gives
    return {}


HANDLERS: dict[str, Handler] = {
    "GetAccountPasswordPolicy": get_account_password_policy,
    "UpdateAccountPasswordPolicy": update_account_password_policy,
    "DeleteAccountPasswordPolicy": delete_account_password_policy,
}
