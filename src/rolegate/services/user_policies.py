"""Inline policies of users: PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy
(access_policies_managed-vs-inline.md). All inline policies of one user together may hold at most
2,048 characters, counted without whitespace (reference_iam-quotas.md).
"""

from __future__ import annotations

from rolegate.domain.entities import InlinePolicy
from rolegate.domain.errors import NoSuchEntity
from rolegate.policy import check_inline_policies_size
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.pagination import fetch_page
from rolegate.services.policy_documents import check_identity_policy
from rolegate.services.users import load_user, lock_user
from rolegate.services.wire_format import url_encoded_policy


def _no_such_policy(policy_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The user policy with name {policy_name} cannot be found.")


def put_user_policy(ctx: OperationContext, params: Params) -> Result:
    user = lock_user(ctx, load_user(ctx, params["UserName"], "iam:PutUserPolicy"))
    name, document = params["PolicyName"], params["PolicyDocument"]
    check_identity_policy(document)
    others = [
        p.policy_document
        for p in ctx.tx.user_policies.list_all(user.user_id)
        if p.policy_name.lower() != name.lower()  # the store treats names without regard to case
    ]
    check_inline_policies_size("user", user.user_name, [*others, document])
    ctx.tx.user_policies.put(user.user_id, InlinePolicy(name, document))
    return {}


def get_user_policy(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:GetUserPolicy")
    policy = ctx.tx.user_policies.get(user.user_id, params["PolicyName"])
    if policy is None:
        raise _no_such_policy(params["PolicyName"])
    return {
        "UserName": user.user_name,
        "PolicyName": policy.policy_name,
        "PolicyDocument": url_encoded_policy(policy.policy_document),
    }


def list_user_policies(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:ListUserPolicies")
    names, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.user_policies.list_names(
            user.user_id, marker=marker, max_items=max_items
        ),
    )
    return {"PolicyNames": names, **paging}


def delete_user_policy(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:DeleteUserPolicy")
    if not ctx.tx.user_policies.delete(user.user_id, params["PolicyName"]):
        raise _no_such_policy(params["PolicyName"])
    return {}


def operations() -> dict[str, Handler]:
    return {
        "PutUserPolicy": put_user_policy,
        "GetUserPolicy": get_user_policy,
        "ListUserPolicies": list_user_policies,
        "DeleteUserPolicy": delete_user_policy,
    }
