"""GetCallerIdentity and GetAccessKeyInfo: who signed, and which account an access key belongs
to (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html,
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html).
"""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.sts.credentials import account_of_access_key


def get_caller_identity(ctx: OperationContext, params: Params) -> Result:
    """Always allowed, even under an explicit deny (the GetCallerIdentity API reference)."""
    return {
        "UserId": ctx.caller.user_id,
        "Account": ctx.caller.account_id,
        "Arn": ctx.caller.arn,
    }


def get_access_key_info(ctx: OperationContext, params: Params) -> Result:
    """The account that owns an access key: stored keys from the store, others (temporary keys,
    keys of other systems) from the account encoded in AWS-format key ids."""
    ctx.authorize("sts:GetAccessKeyInfo", "*")
    key_id = params["AccessKeyId"]
    key = ctx.tx.access_keys.get(key_id)
    account = key.account_id if key is not None else account_of_access_key(key_id)
    # unverified: AWS decodes every well-formed key id; this answers the caller's own account
    # for ids that are not base32.
    return {"Account": account or ctx.account_id}


HANDLERS: dict[str, Handler] = {
    "GetCallerIdentity": get_caller_identity,
    "GetAccessKeyInfo": get_access_key_info,
}
