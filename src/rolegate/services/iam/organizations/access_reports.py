"""Service last accessed data for Organizations entities
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateOrganizationsAccessReport.html):
the caller must be signed in to an organization's management account. The entity path
(``o-…/r-…[/ou-…][/account]``) is checked by the model; the action is authorized on the
``access-report`` resource of that path, with ``iam:OrganizationsPolicyId`` when a policy is
named; then the account, in no organization, is refused. No report is ever generated, so every
job id is unknown to GetOrganizationsAccessReport."""

from __future__ import annotations

from rolegate.domain.errors import NoSuchEntity
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.access_advisor.operations import NO_SUCH_JOB
from rolegate.services.iam.organizations.standalone import outside_organization


def report_arn(account_id: str, entity_path: str) -> str:
    """The ``access-report`` resource type of the Service Authorization Reference."""
    return f"arn:aws:iam::{account_id}:access-report/{entity_path}"


def generate_organizations_access_report(ctx: OperationContext, params: Params) -> Result:
    policy_id = params.get("OrganizationsPolicyId")
    ctx.authorize(
        "iam:GenerateOrganizationsAccessReport",
        report_arn(ctx.account_id, params["EntityPath"]),
        context={"iam:OrganizationsPolicyId": policy_id} if policy_id else None,
    )
    # The operation models no organization error; AWS's answer here is not recorded.
    raise outside_organization()  # unverified


def get_organizations_access_report(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetOrganizationsAccessReport", "*")
    raise NoSuchEntity(NO_SUCH_JOB.format(job_id=params["JobId"]))


HANDLERS: dict[str, Handler] = {
    "GenerateOrganizationsAccessReport": generate_organizations_access_report,
    "GetOrganizationsAccessReport": get_organizations_access_report,
}
