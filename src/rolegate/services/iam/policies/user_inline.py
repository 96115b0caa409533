"""Inline policies of users: PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy.

The shared rules (validation, the 2,048-character total, messages) are in ``inline``.
"""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.policies import inline
from rolegate.services.iam.users import load_user, lock_user


def put_user_policy(ctx: OperationContext, params: Params) -> Result:
    user = lock_user(ctx, load_user(ctx, params["UserName"], "iam:PutUserPolicy"))
    repo = ctx.tx.user_policies
    return inline.put_policy(repo, "user", user.user_id, user.user_name, params)


def get_user_policy(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:GetUserPolicy")
    found = inline.get_policy(ctx.tx.user_policies, "user", user.user_id, params)
    return {"UserName": user.user_name, **found}


def list_user_policies(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:ListUserPolicies")
    return inline.list_policy_names(ctx.tx.user_policies, user.user_id, params)


def delete_user_policy(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:DeleteUserPolicy")
    return inline.delete_policy(ctx.tx.user_policies, "user", user.user_id, params)


HANDLERS: dict[str, Handler] = {
    "PutUserPolicy": put_user_policy,
    "GetUserPolicy": get_user_policy,
    "ListUserPolicies": list_user_policies,
    "DeleteUserPolicy": delete_user_policy,
}
