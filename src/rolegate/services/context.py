"""What every operation receives: the authenticated caller and the request's surroundings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rolegate.domain.ids import Rng
from rolegate.store import Tx


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal that signed the request (id_roles_terms-and-concepts.md, "Principal")."""

    account_id: str
    principal_type: str  # "root" | "user" | "role_session" | "federated_user" | "anonymous"
    arn: str
    user_id: str  # GetCallerIdentity's UserId: account id for root, AIDA… for users, AROA…:session
    access_key_id: str | None = None


@dataclass(frozen=True, slots=True)
class OperationContext:
    caller: Caller
    region: str
    request_id: str
    now: datetime
    tx: Tx
    rng: Rng

    @property
    def account_id(self) -> str:
        return self.caller.account_id


Params = Mapping[str, Any]
Result = dict[str, Any]
Handler = Callable[[OperationContext, Params], Result]
