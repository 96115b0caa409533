"""STS operations answered for long-term credentials (id_credentials_temp_request.md)."""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result


def get_caller_identity(ctx: OperationContext, params: Params) -> Result:
    """Always allowed, even under an explicit deny (the GetCallerIdentity API reference)."""
    return {
        "UserId": ctx.caller.user_id,
        "Account": ctx.caller.account_id,
        "Arn": ctx.caller.arn,
    }


def operations() -> dict[str, Handler]:
    return {"GetCallerIdentity": get_caller_identity}
