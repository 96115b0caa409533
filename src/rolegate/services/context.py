"""What every operation receives: the authenticated caller and the request's surroundings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from rolegate.auth.session_token import SessionTokenCodec
from rolegate.domain.entities import PrincipalIds, Role, User
from rolegate.domain.ids import Rng
from rolegate.domain.session import SessionClaims
from rolegate.store import Tx

ContextValues = Mapping[str, str | Sequence[str]]


class ResourcePolicy(NamedTuple):
    """A resource-based policy for one decision (a role's trust policy): the id the decision's
    reasons name it by, its text, and its user and role principals as bound when it was stored
    (:mod:`rolegate.services.trust_principals`)."""

    policy_id: str
    document: str
    principal_ids: PrincipalIds = ()


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal that signed the request (id_roles_terms-and-concepts.md, "Principal").

    ``principal_type`` uses the policy engine's names: "root", "user", "role_session",
    "federated_user". Temporary credentials carry their ``session``; for GetSessionToken
    credentials the type stays "user" or "root" and ``session`` holds the MFA state.
    """

    account_id: str
    principal_type: str
    arn: str
    user_id: str  # aws:userid / GetCallerIdentity's UserId
    access_key_id: str | None = None
    user_name: str | None = None  # IAM users only (aws:username)
    session: SessionClaims | None = None
    # The IAM user as authentication read it (the signing user's long-term keys; the user behind
    # GetSessionToken and GetFederationToken sessions) and the role of a role session, so
    # authorization need not read them again within the request.
    user: User | None = None
    role: Role | None = None


class Authorizer(Protocol):
    """Decides whether the caller may perform ``action`` on ``resource``; raises AccessDenied."""

    def require(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: ResourcePolicy | None = None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class OperationContext:
    caller: Caller
    region: str
    request_id: str
    now: datetime
    tx: Tx
    rng: Rng
    authorizer: Authorizer
    # Seals the session tokens of new temporary credentials (STS operations).
    session_tokens: SessionTokenCodec | None = None

    @property
    def account_id(self) -> str:
        return self.caller.account_id

    def authorize(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: ResourcePolicy | None = None,
    ) -> None:
        """Every operation calls this once it knows its resource (``rolegate.services.authz``)."""
        self.authorizer.require(
            action,
            resource,
            resource_account=resource_account,
            context=context,
            resource_policy=resource_policy,
        )


Params = Mapping[str, Any]
Result = dict[str, Any]
Handler = Callable[[OperationContext, Params], Result]
