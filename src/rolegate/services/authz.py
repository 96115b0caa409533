"""Authorization of every operation (reference_policies_evaluation-logic.md).

Each operation calls ``ctx.authorize(action, resource)`` once it knows its resource ARN. The
account's root user has full access to its own account and to nothing else; every other
principal is decided by the policy engine (``rolegate.policy.evaluate``) over the policies the
principal carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from rolegate.domain.errors import AccessDenied
from rolegate.services.context import Caller, ContextValues


def denial_message(caller: Caller, action: str, resource: str, reason: str) -> str:
    """AWS's AccessDenied text.

    "User: ARN is not authorized to perform: ACTION on resource: ARN because …".
    """
    message = f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource}"
    return f"{message} {reason}" if reason else message


@dataclass(slots=True)
class RequestAuthorizer:
    caller: Caller

    def require(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: tuple[str, str] | None = None,
    ) -> None:
        account = resource_account or self.caller.account_id
        root = self.caller.principal_type == "root" and self.caller.session is None
        if root and account == self.caller.account_id:
            return  # id_root-user.md: the root user has full access to its own account
        raise AccessDenied(
            denial_message(
                self.caller,
                action,
                resource,
                f"because no identity-based policy allows the {action} action",
            )
        )
