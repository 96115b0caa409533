"""Authorization of every IAM and STS operation
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

* ``authorizer``: :class:`RequestAuthorizer`, the engine-backed decision of one request, its
  AccessDenied texts, and :func:`evaluate_trust` for the AssumeRole* trust checks.
* ``principal_policies``: every policy that bears on one caller, gathered before the engine
  decides, and the node's cache of compiled policy sets.
* ``request_context``: the condition keys of one decision.
* ``trust_principals``: a trust policy's user and role principals, bound to unique ids when it is
  stored and shown through them.
* ``last_used``: RoleLastUsed, written by AssumeRole* and by the authorization service, and
  service last accessed data, written for every allowed request and decision.
* ``messages``: the sealed decision documents that DecodeAuthorizationMessage opens.

IAM and STS operations import from this package, never from its modules.
"""

from rolegate.services.authz.authorizer import (
    ROOT_CANNOT_ASSUME,
    PolicyDenied,
    RequestAuthorizer,
    Verdict,
    denial_message,
    evaluate_trust,
)
from rolegate.services.authz.last_used import ServiceUseRecorder, record_role_use
from rolegate.services.authz.messages import INVALID_MESSAGE, AuthorizationMessages
from rolegate.services.authz.principal_policies import PolicySetCache
from rolegate.services.authz.request_context import target_boundary_context
from rolegate.services.authz.trust_principals import (
    bind_principals,
    profiles_with_trust_shown,
    shown_trust_policies,
    with_trust_shown,
)

__all__ = [
    "INVALID_MESSAGE",
    "ROOT_CANNOT_ASSUME",
    "AuthorizationMessages",
    "PolicyDenied",
    "PolicySetCache",
    "RequestAuthorizer",
    "ServiceUseRecorder",
    "Verdict",
    "bind_principals",
    "denial_message",
    "evaluate_trust",
    "profiles_with_trust_shown",
    "record_role_use",
    "shown_trust_policies",
    "target_boundary_context",
    "with_trust_shown",
]
