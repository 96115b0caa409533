"""Inline policies of groups: PutGroupPolicy, GetGroupPolicy, ListGroupPolicies,
DeleteGroupPolicy.

The shared rules (validation, the 5,120-character total, messages) are in ``inline``.
"""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.groups import load_group
from rolegate.services.iam.policies import inline


def put_group_policy(ctx: OperationContext, params: Params) -> Result:
    # Locked: two puts to one group cannot pass the size total together.
    group = load_group(ctx, params["GroupName"], "iam:PutGroupPolicy", lock=True)
    repo = ctx.tx.group_policies
    return inline.put_policy(repo, "group", group.group_id, group.group_name, params)


def get_group_policy(ctx: OperationContext, params: Params) -> Result:
    group = load_group(ctx, params["GroupName"], "iam:GetGroupPolicy")
    found = inline.get_policy(ctx.tx.group_policies, "group", group.group_id, params)
    return {"GroupName": group.group_name, **found}


def list_group_policies(ctx: OperationContext, params: Params) -> Result:
    group = load_group(ctx, params["GroupName"], "iam:ListGroupPolicies")
    return inline.list_policy_names(ctx.tx.group_policies, group.group_id, params)


def delete_group_policy(ctx: OperationContext, params: Params) -> Result:
    group = load_group(ctx, params["GroupName"], "iam:DeleteGroupPolicy")
    return inline.delete_policy(ctx.tx.group_policies, "group", group.group_id, params)


HANDLERS: dict[str, Handler] = {
    "PutGroupPolicy": put_group_policy,
    "GetGroupPolicy": get_group_policy,
    "ListGroupPolicies": list_group_policies,
    "DeleteGroupPolicy": delete_group_policy,
}
