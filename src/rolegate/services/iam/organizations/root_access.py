"""Centralized root access for member accounts
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management):
Enable/DisableOrganizationsRootCredentialsManagement, Enable/DisableOrganizationsRootSessions and
ListOrganizationsFeatures. They need an organization with trusted access for IAM
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html);
none has a resource type in the Service Authorization Reference, so each is authorized on ``*``
and then refused with OrganizationNotFoundException."""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.organizations.standalone import outside_organization


def _refused(operation: str) -> Handler:
    action = f"iam:{operation}"

    def handler(ctx: OperationContext, params: Params) -> Result:
        ctx.authorize(action, "*")
        raise outside_organization()

    handler.__name__ = operation
    return handler


OPERATIONS = (
    "EnableOrganizationsRootCredentialsManagement",
    "DisableOrganizationsRootCredentialsManagement",
    "EnableOrganizationsRootSessions",
    "DisableOrganizationsRootSessions",
    "ListOrganizationsFeatures",
)

HANDLERS: dict[str, Handler] = {name: _refused(name) for name in OPERATIONS}
