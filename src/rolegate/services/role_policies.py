"""Inline policies of roles: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy
(access_policies_managed-vs-inline.md). All inline policies of one role together may hold at most
10,240 characters, counted without whitespace (reference_iam-quotas.md).
"""

from __future__ import annotations

from rolegate.domain.entities import InlinePolicy
from rolegate.domain.errors import NoSuchEntity
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.pagination import fetch_page
from rolegate.services.policy_documents import check_identity_policy, check_role_inline_total
from rolegate.services.protected_roles import ensure_modifiable
from rolegate.services.roles import load_role
from rolegate.services.wire_format import url_encoded_policy


def _no_such_policy(policy_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The role policy with name {policy_name} cannot be found.")


def put_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:PutRolePolicy")
    ensure_modifiable(role)
    name, document = params["PolicyName"], params["PolicyDocument"]
    check_identity_policy(document)
    others = [
        p.policy_document
        for p in ctx.tx.role_policies.list_all(role.role_id)
        if p.policy_name.lower() != name.lower()  # the store treats names without regard to case
    ]
    check_role_inline_total(role.role_name, [*others, document])
    ctx.tx.role_policies.put(role.role_id, InlinePolicy(name, document))
    return {}


def get_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:GetRolePolicy")
    policy = ctx.tx.role_policies.get(role.role_id, params["PolicyName"])
    if policy is None:
        raise _no_such_policy(params["PolicyName"])
    return {
        "RoleName": role.role_name,
        "PolicyName": policy.policy_name,
        "PolicyDocument": url_encoded_policy(policy.policy_document),
    }


def list_role_policies(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:ListRolePolicies")
    names, paging = fetch_page(
        params,
        lambda marker, max_items: ctx.tx.role_policies.list_names(
            role.role_id, marker=marker, max_items=max_items
        ),
    )
    return {"PolicyNames": names, **paging}


def delete_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:DeleteRolePolicy")
    ensure_modifiable(role)
    if not ctx.tx.role_policies.delete(role.role_id, params["PolicyName"]):
        raise _no_such_policy(params["PolicyName"])
    return {}


def operations() -> dict[str, Handler]:
    return {
        "PutRolePolicy": put_role_policy,
        "GetRolePolicy": get_role_policy,
        "ListRolePolicies": list_role_policies,
        "DeleteRolePolicy": delete_role_policy,
    }
