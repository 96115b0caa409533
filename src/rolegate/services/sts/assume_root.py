"""AssumeRoot (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html): a short
root session in a member account, for the management account or IAM's delegated administrator of
an organization with centralized root access
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html).

Order: the model's constraints (wire), then the target: an account id or that account's root ARN
(``arn:aws:iam::<account>:root``) and a task policy under ``arn:aws:iam::aws:policy/root-task/``;
then the caller: never the root user ("You cannot use root user credentials to make this call"),
else ``sts:AssumeRoot`` on the target's ``root-user`` resource with ``sts:TaskPolicyArn``. rolegate
has no organizations, so an allowed caller is then refused as a standalone account is.
"""

from __future__ import annotations

import re

from rolegate.domain.errors import AccessDenied, ValidationError
from rolegate.services.authz import denial_message
from rolegate.services.context import Handler, OperationContext, Params, Result

_TARGET = re.compile(r"(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root")
TASK_POLICY_PREFIX = "arn:aws:iam::aws:policy/root-task/"
# unverified: the wording, modelled on AssumeRole's answer to a malformed RoleArn
INVALID_VALUE = "{value} is invalid"


def assume_root(ctx: OperationContext, params: Params) -> Result:
    target = params["TargetPrincipal"]
    found = _TARGET.fullmatch(target)
    if found is None:
        raise ValidationError(INVALID_VALUE.format(value=target))  # unverified
    task_policy = params["TaskPolicyArn"].get("arn", "")
    if not task_policy.startswith(TASK_POLICY_PREFIX):
        raise ValidationError(INVALID_VALUE.format(value=task_policy))  # unverified
    account_id = found.group(1) or found.group(2)
    resource = f"arn:aws:iam::{account_id}:root"
    # unverified: AWS's text for a root caller and for an account outside an organization
    refused = AccessDenied(denial_message(ctx.caller, "sts:AssumeRoot", resource, ""))
    if ctx.caller.principal_type == "root":
        raise refused
    ctx.authorize(
        "sts:AssumeRoot",
        resource,
        resource_account=account_id,
        context={"sts:TaskPolicyArn": task_policy},
    )
    raise refused


HANDLERS: dict[str, Handler] = {"AssumeRoot": assume_root}
