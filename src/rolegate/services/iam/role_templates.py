"""Role templates (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AcquireRole.html):
AWS-owned configurations, ``arn:aws:iam::aws:role-template/<service principal>/<name>:<major>``
(the ``role-template`` resource type of the Service Authorization Reference), from which
AcquireRole creates a role. AWS publishes no catalogue of them, so rolegate knows none: both
operations check the ARN's form and the caller's permission on it, then answer that the template
does not exist.
"""

from __future__ import annotations

import re

from rolegate.domain.errors import NoSuchEntity
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._arns import invalid_arn

_TEMPLATE_ARN = re.compile(r"arn:aws[a-z-]*:iam::aws:role-template/[\w.-]+/[\w+=,.@-]+:\d+")
NO_SUCH_TEMPLATE = "Role template {arn} cannot be found."  # unverified


def _unknown_template(ctx: OperationContext, action: str, arn: str) -> NoSuchEntity:
    if _TEMPLATE_ARN.fullmatch(arn) is None:
        raise invalid_arn(arn)  # unverified for role templates
    # an AWS-owned resource, judged in the caller's account (as reading AWS managed policies)
    ctx.authorize(action, arn)
    return NoSuchEntity(NO_SUCH_TEMPLATE.format(arn=arn))


def get_role_template_version(ctx: OperationContext, params: Params) -> Result:
    raise _unknown_template(ctx, "iam:GetRoleTemplateVersion", params["TemplateArn"])


def acquire_role(ctx: OperationContext, params: Params) -> Result:
    # The Service Authorization Reference names no iam:AcquireRole action yet; AWS's own
    # action name for it is assumed.
    raise _unknown_template(ctx, "iam:AcquireRole", params["TemplateArn"])  # unverified


HANDLERS: dict[str, Handler] = {
    "GetRoleTemplateVersion": get_role_template_version,
    "AcquireRole": acquire_role,
}
