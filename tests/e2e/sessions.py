"""Role-session credentials for end-to-end tests, sealed with the server's own key.

The enforcement tests need sessions with exact claims (issue time, session policies, tags)
independent of the STS operations under test elsewhere; the session token is sealed with the
master key the server keeps in its data directory, exactly as the server seals its own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rolegate.auth.keyring import KeyRing
from rolegate.auth.master_key import load_or_create_master_key
from rolegate.auth.session_token import SessionTokenCodec
from rolegate.domain.arn import assumed_role_arn
from rolegate.domain.ids import IdPrefix, access_key_id, secret_access_key
from rolegate.domain.session import SessionClaims, SessionKind

from harness import Node


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    arn: str  # the assumed-role ARN

    def client(self, server: Node, service: str = "iam") -> Any:
        return server.client(
            service,
            self.access_key_id,
            self.secret_access_key,
            aws_session_token=self.session_token,
        )


def mint_role_session(
    server: Node,
    role: dict[str, Any],
    session_name: str = "tester",
    *,
    issued_at: datetime | None = None,
    lifetime: timedelta = timedelta(hours=1),
    **claims: Any,
) -> Credentials:
    """Credentials of a session of ``role`` (a GetRole ``Role`` dict)."""
    rng = secrets.SystemRandom()
    issued = issued_at or datetime.now(UTC)
    account = role["Arn"].split(":")[4]
    key_id = access_key_id(IdPrefix.TEMPORARY_ACCESS_KEY, rng)
    arn = assumed_role_arn(account, role["RoleName"], session_name)
    session = SessionClaims(
        kind=SessionKind.ROLE,
        account_id=account,
        access_key_id=key_id,
        secret_access_key=secret_access_key(rng),
        issued_at=issued,
        expires_at=issued + lifetime,
        principal_arn=arn,
        principal_id=f"{role['RoleId']}:{session_name}",
        role_arn=role["Arn"],
        role_id=role["RoleId"],
        session_name=session_name,
        **claims,
    )
    ring = KeyRing.from_master_key(load_or_create_master_key(server.data_dir, None))
    token = SessionTokenCodec(ring).seal(session)
    return Credentials(key_id, session.secret_access_key, token, arn)
