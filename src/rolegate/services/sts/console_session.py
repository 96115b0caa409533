"""The temporary credentials of a web console sign-in (not an AWS operation): the signed-in IAM
user or root user itself, with its own permissions and the MFA state of its sign-in. Like AWS's
console sessions, a user's lasts 12 hours and the root user's one hour
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html
gives the same bounds for GetSessionToken). Sessions end with the user (``server.authn``).
"""

from __future__ import annotations

from datetime import datetime

from rolegate.auth.session_token import SessionTokenCodec
from rolegate.domain.arn import root_arn
from rolegate.domain.ids import Rng
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.sts.credentials import (
    DEFAULT_TOKEN_DURATION,
    ROOT_MAX_DURATION,
    expiry,
    issue_time,
    new_secret,
    temporary_access_key_id,
)


def console_credentials(
    codec: SessionTokenCodec,
    rng: Rng,
    now: datetime,
    *,
    account_id: str,
    user_arn: str | None,
    user_id: str | None,
    mfa_at: datetime | None,
) -> tuple[SessionClaims, str]:
    """The session's claims and its sealed token; ``user_arn``/``user_id`` None: the root user."""
    issued = issue_time(now)
    is_root = user_arn is None
    arn = root_arn(account_id) if user_arn is None else user_arn
    claims = SessionClaims(
        kind=SessionKind.CONSOLE,
        account_id=account_id,
        access_key_id=temporary_access_key_id(account_id, rng),
        secret_access_key=new_secret(rng),
        issued_at=issued,
        expires_at=expiry(issued, ROOT_MAX_DURATION if is_root else DEFAULT_TOKEN_DURATION),
        principal_arn=arn,
        principal_id=account_id if user_id is None else user_id,
        source_user_arn=arn,
        source_user_id=user_id,
        mfa_authenticated=mfa_at is not None,
        mfa_authenticated_at=mfa_at,
    )
    return claims, codec.seal(claims)
