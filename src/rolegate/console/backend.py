"""What the console needs from the server it runs in: the request pipeline (as a transport),
the two sign-ins, which no AWS operation does, and the state shared by the nodes
(``server.console_backend`` implements it)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rolegate.console.api import BrowserOrigin, SessionCredentials


class Step(enum.Enum):
    SIGNED_IN = "signed_in"
    REFUSED = "refused"
    MFA_REQUIRED = "mfa_required"
    MUST_CHANGE = "must_change"
    EXPIRED = "expired"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class SignInResult:
    step: Step
    account_id: str = ""
    principal_arn: str = ""
    credentials: SessionCredentials | None = None
    expires_at: int = 0  # epoch seconds
    mfa: bool = False
    must_change: bool = False  # MFA_REQUIRED: a new password is due after the code


class ConsoleGuard(Protocol):
    """The console's state shared by every node on the database (``console_guards``): ended
    sessions, and failed sign-in counters (``throttle``). Times in epoch seconds."""

    def end_session(self, session_id: str, expires_at: int, now: int) -> None: ...

    def session_ended(self, session_id: str, now: int) -> bool: ...

    def locked(self, key: str, now: int) -> bool: ...

    def failed(self, key: str, now: int) -> None: ...

    def succeeded(self, key: str) -> None: ...


class Backend(Protocol):
    region: str
    guard: ConsoleGuard

    def transport(
        self,
        method: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
        browser: BrowserOrigin,
    ) -> tuple[int, bytes]: ...

    def decoded_transport(
        self,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
        browser: BrowserOrigin,
    ) -> tuple[int, bytes, Mapping[str, Any] | None]: ...

    def change_serial(self) -> int:
        """The database's change serial (``Store.change_serial``): it moves whenever what the
        IAM operations answer may have changed, through any client or node; cheap to read."""
        ...

    def sign_in_user(
        self,
        account: str,
        user_name: str,
        password: str | None,
        mfa_code: str | None,
        *,
        must_change: bool = False,
    ) -> SignInResult: ...

    def sign_in_root(self, access_key_id: str, secret_access_key: str) -> SignInResult: ...
