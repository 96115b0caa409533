"""IAM temporary delegation for AWS Partners
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-temporary-delegation.html):
a partner onboarded with AWS creates a delegation request, the customer's account associates,
accepts or rejects it, and the exchange token is sent to the partner, who trades it for
credentials (STS GetDelegatedAccessToken).

CreateDelegationRequest "is not available for general use": only partners onboarded with AWS may
call it, and rolegate onboards none. So no delegation request ever exists here: each operation
checks its input (the model) and the caller's permission on the ``delegation-request`` resource
of the Service Authorization Reference, then answers as for a request that does not exist;
ListDelegationRequests lists none.
"""

from __future__ import annotations

import re

from rolegate.domain.errors import InvalidInput, NoSuchEntity
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._arns import invalid_arn

# unverified wordings: AWS's answers to an unknown request and a caller not onboarded are not in
# any recorded response found.
NO_SUCH_REQUEST = "Delegation request with id {request_id} cannot be found."
NOT_ONBOARDED = "The caller is not onboarded as a partner for IAM temporary delegation."

# arn:aws:iam::<account>:delegation-request/<id> (the id as the model's delegationRequestIdType)
_REQUEST_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):delegation-request/([\w-]{16,128})")


def request_arn(account_id: str, request_id: str) -> str:
    return f"arn:aws:iam::{account_id}:delegation-request/{request_id}"


def create_delegation_request(ctx: OperationContext, params: Params) -> Result:
    context: dict[str, str] = {
        "iam:DelegationDuration": str(params["SessionDuration"]),
        "iam:NotificationChannel": params["NotificationChannel"],
    }
    template = params["Permissions"].get("PolicyTemplateArn")
    if template:
        context["iam:TemplateArn"] = template
    ctx.authorize("iam:CreateDelegationRequest", "*", context=context)
    raise InvalidInput(NOT_ONBOARDED)


def _unknown_request(operation: str) -> Handler:
    action = f"iam:{operation}"

    def handler(ctx: OperationContext, params: Params) -> Result:
        request_id = params["DelegationRequestId"]
        ctx.authorize(action, request_arn(ctx.account_id, request_id))
        raise NoSuchEntity(NO_SUCH_REQUEST.format(request_id=request_id))

    handler.__name__ = operation
    return handler


def list_delegation_requests(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:ListDelegationRequests", "*")
    return {"DelegationRequests": [], "isTruncated": False}


def get_human_readable_summary(ctx: OperationContext, params: Params) -> Result:
    """Only delegation requests have summaries (the operation's documentation)."""
    arn = params["EntityArn"]
    found = _REQUEST_ARN.fullmatch(arn)
    if found is None:
        raise invalid_arn(arn)  # unverified for this operation
    account_id, request_id = found.groups()
    ctx.authorize("iam:GetHumanReadableSummary", arn, resource_account=account_id)
    raise NoSuchEntity(NO_SUCH_REQUEST.format(request_id=request_id))


UNKNOWN_REQUEST_OPERATIONS = (
    "GetDelegationRequest",
    "AssociateDelegationRequest",
    "AcceptDelegationRequest",
    "RejectDelegationRequest",
    "UpdateDelegationRequest",
    "SendDelegationToken",
)

HANDLERS: dict[str, Handler] = {
    "CreateDelegationRequest": create_delegation_request,
    "ListDelegationRequests": list_delegation_requests,
    "GetHumanReadableSummary": get_human_readable_summary,
    **{name: _unknown_request(name) for name in UNKNOWN_REQUEST_OPERATIONS},
}
