"""What every operation receives (the authenticated caller and the request's surroundings) and
what it is: a handler from parameters to a result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from rolegate.auth.session_token import SessionTokenCodec
from rolegate.domain.caller import Caller
from rolegate.domain.entities import PrincipalIds, Tag
from rolegate.domain.ids import Rng
from rolegate.store import Tx

ContextValues = Mapping[str, str | Sequence[str]]


class ResourcePolicy(NamedTuple):
    """A resource-based policy for one decision (a role's trust policy): the id the decision's
    reasons name it by, its text, and its user and role principals as bound when it was stored
    (:mod:`rolegate.services.authz.trust_principals`)."""

    policy_id: str
    document: str
    principal_ids: PrincipalIds = ()


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

    def principal_tags(self) -> tuple[Tag, ...]:
        """The caller's tags as policies see them (``aws:PrincipalTag/*``)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
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


def join_handlers(tables: Iterable[Mapping[str, Handler]]) -> dict[str, Handler]:
    """One table of operation name -> handler from the tables of a family's modules; a name
    defined twice is a programming error."""
    joined: dict[str, Handler] = {}
    for table in tables:
        for name, handler in table.items():
            if name in joined:
                raise ValueError(f"operation {name} has two handlers")
            joined[name] = handler
    return joined
