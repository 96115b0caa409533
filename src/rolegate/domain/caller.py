"""The principal that signed a request, as authentication found it and every operation sees it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html, "Principal").
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Literal

from rolegate.domain.entities import Role, User
from rolegate.domain.session import SessionClaims

# The policy engine's names for principals (``rolegate.policy.request.PRINCIPAL_TYPES``):
# "anonymous" calls an unsigned operation before its token names a principal; "web_identity"
# and "saml" are the identity providers AssumeRoleWith* evaluate trust policies for; "service"
# is the AWS service that assumes a role for a workload (AssumeRoleForWorkload).
PrincipalType = Literal[
    "root", "user", "role_session", "federated_user", "anonymous", "web_identity", "saml", "service"
]


@dataclass(frozen=True, slots=True)
class Caller:
    """Temporary credentials carry their ``session``; for GetSessionToken credentials the type
    stays "user" or "root" and ``session`` holds the MFA state."""

    account_id: str
    principal_type: PrincipalType
    arn: str
    user_id: str  # aws:userid / GetCallerIdentity's UserId
    _: KW_ONLY
    access_key_id: str | None = None
    user_name: str | None = None  # IAM users only (aws:username)
    session: SessionClaims | None = None
    # The IAM user as authentication read it (the signing user's long-term keys; the user behind
    # GetSessionToken and GetFederationToken sessions) and the role of a role session, so
    # authorization need not read them again within the request.
    user: User | None = None
    role: Role | None = None
    # Permissive mode's stand-in for a key the database does not know: the root user, except
    # that it may assume roles that trust its account, as test suites written against AWS
    # expect of the made-up keys they set up with (AWS never lets the root user do that).
    implicit: bool = False
