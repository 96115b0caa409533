"""The console session, held by the browser in one sealed cookie (no table): the signed-in
principal's temporary credentials, the role it switched to (with that role's credentials), the
recent roles, the CSRF token and the time of the last request.

The cookie is sealed with the server's key ring (AES-256-GCM, its own purpose): the browser can
neither read the credentials nor change a byte. ``HttpOnly`` keeps it from scripts,
``SameSite=Strict`` from other sites' requests, ``Secure`` from plain HTTP when served over TLS.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from rolegate.auth.keyring import KeyRing, KeyRingError
from rolegate.console.api import SessionCredentials

COOKIE = "rolegate-console"
PURPOSE = "console-session"
PENDING_PURPOSE = "console-sign-in"
IDLE_SECONDS = 30 * 60  # a session not used for this long is over
PENDING_SECONDS = 5 * 60  # the MFA or new-password step must follow the password this soon
MAX_RECENT = 5  # the AWS console keeps the last five roles switched to


@dataclass(frozen=True, slots=True)
class RoleChoice:
    """A role to switch to, as the switch-role form names it."""

    account_id: str
    role_name: str
    display_name: str
    color: str


@dataclass(frozen=True, slots=True)
class SwitchedRole:
    choice: RoleChoice
    arn: str  # the assumed-role session's ARN
    credentials: SessionCredentials


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    session_id: str
    account_id: str
    principal_arn: str  # the signed-in user or root
    credentials: SessionCredentials
    expires_at: int  # epoch seconds: the credentials' expiry
    last_seen: int
    csrf: str
    role: SwitchedRole | None = None
    recent: tuple[RoleChoice, ...] = field(default=())

    @property
    def acting(self) -> SessionCredentials:
        """The credentials every page calls with: the switched-to role's, else the principal's."""
        return self.role.credentials if self.role is not None else self.credentials

    def switched(self, role: SwitchedRole) -> ConsoleSession:
        recent = (role.choice, *(r for r in self.recent if r != role.choice))[:MAX_RECENT]
        return replace(self, role=role, recent=recent)

    def back(self) -> ConsoleSession:
        return replace(self, role=None)


def new_session(
    account_id: str, principal_arn: str, credentials: SessionCredentials, expires_at: int, now: int
) -> ConsoleSession:
    return ConsoleSession(
        session_id=secrets.token_urlsafe(16),
        account_id=account_id,
        principal_arn=principal_arn,
        credentials=credentials,
        expires_at=expires_at,
        last_seen=now,
        csrf=secrets.token_urlsafe(24),
    )


def _credentials(data: dict[str, Any]) -> SessionCredentials:
    return SessionCredentials(
        str(data["access_key_id"]), str(data["secret_access_key"]), str(data["session_token"])
    )


def _choice(data: dict[str, Any]) -> RoleChoice:
    return RoleChoice(
        str(data["account_id"]), str(data["role_name"]), str(data["display_name"]), data["color"]
    )


class SessionSealer:
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    def seal(self, session: ConsoleSession) -> str:
        return self._seal(asdict(session), PURPOSE)

    def open(self, value: str, now: int) -> ConsoleSession | None:
        """The session, or None if the cookie is not ours, expired or idle too long."""
        data = self._open(value, PURPOSE)
        if data is None:
            return None
        try:
            role = data.get("role")
            session = ConsoleSession(
                session_id=str(data["session_id"]),
                account_id=str(data["account_id"]),
                principal_arn=str(data["principal_arn"]),
                credentials=_credentials(data["credentials"]),
                expires_at=int(data["expires_at"]),
                last_seen=int(data["last_seen"]),
                csrf=str(data["csrf"]),
                role=None
                if role is None
                else SwitchedRole(
                    _choice(role["choice"]), str(role["arn"]), _credentials(role["credentials"])
                ),
                recent=tuple(_choice(r) for r in data.get("recent", ())),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if now >= session.expires_at or now - session.last_seen > IDLE_SECONDS:
            return None
        return session

    def seal_pending(self, fields: dict[str, str], now: int) -> str:
        """A sign-in in progress (password checked; MFA code or a new password to come)."""
        return self._seal({**fields, "at": now}, PENDING_PURPOSE)

    def open_pending(self, value: str, now: int) -> dict[str, str] | None:
        data = self._open(value, PENDING_PURPOSE)
        if data is None or not isinstance(data.get("at"), int):
            return None
        if not 0 <= now - data["at"] <= PENDING_SECONDS:
            return None
        return {k: str(v) for k, v in data.items() if k != "at"}

    def _seal(self, data: dict[str, Any], purpose: str) -> str:
        plain = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._ring.seal(plain, purpose=purpose)).decode()

    def _open(self, value: str, purpose: str) -> dict[str, Any] | None:
        try:
            raw = base64.urlsafe_b64decode(value.encode("ascii"))
            data = json.loads(self._ring.open(raw, purpose=purpose))
        except (KeyRingError, ValueError, UnicodeError):
            return None
        return data if isinstance(data, dict) else None
