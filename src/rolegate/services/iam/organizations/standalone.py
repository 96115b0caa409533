"""What an Organizations-only operation answers once its caller is allowed: the account is in no
organization (the iam model's OrganizationNotFoundException, whose documentation is the text)."""

from __future__ import annotations

from rolegate.domain.errors import OrganizationNotFound

# unverified: the shape's documentation in the iam model; AWS's wire text is in no recorded answer
NO_ORGANIZATION = (
    "The request was rejected because no organization is associated with your account."
)


def outside_organization() -> OrganizationNotFound:
    return OrganizationNotFound(NO_ORGANIZATION)
