"""IAM's answer to an ARN parameter that is not an ARN of the kind the operation takes
(managed policies, attachments, boundaries, OIDC and SAML providers)."""

from __future__ import annotations

from rolegate.domain.errors import InvalidInput


def invalid_arn(arn: str) -> InvalidInput:
    return InvalidInput(f"ARN {arn} is not valid.")
