"""Inline policies of roles: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy.

The shared rules (validation, the 10,240-character total, messages) are in ``inline``.
"""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.policies import inline
from rolegate.services.iam.protected_roles import ensure_modifiable
from rolegate.services.iam.roles import load_role


def put_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:PutRolePolicy")
    ensure_modifiable(role)
    repo = ctx.tx.role_policies
    return inline.put_policy(repo, "role", role.role_id, role.role_name, params)


def get_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:GetRolePolicy")
    found = inline.get_policy(ctx.tx.role_policies, "role", role.role_id, params)
    return {"RoleName": role.role_name, **found}


def list_role_policies(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:ListRolePolicies")
    return inline.list_policy_names(ctx.tx.role_policies, role.role_id, params)


def delete_role_policy(ctx: OperationContext, params: Params) -> Result:
    role = load_role(ctx, params["RoleName"], "iam:DeleteRolePolicy")
    ensure_modifiable(role)
    return inline.delete_policy(ctx.tx.role_policies, "role", role.role_id, params)


HANDLERS: dict[str, Handler] = {
    "PutRolePolicy": put_role_policy,
    "GetRolePolicy": get_role_policy,
    "ListRolePolicies": list_role_policies,
    "DeleteRolePolicy": delete_role_policy,
}
