"""GetSessionToken (id_credentials_temp_request.md,
id_credentials_temp_control-access_getsessiontoken.md): temporary credentials of the calling IAM
user or root user, with the MFA state proven by the call.

An IAM user's sessions last from 15 minutes to 36 hours, 12 hours by default; the root user's at
most one hour (``credentials.long_term_duration``).
"""

from __future__ import annotations

from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam import verify_mfa
from rolegate.services.sts.credentials import (
    credentials_to_wire,
    expiry,
    issue_time,
    long_term_duration,
    long_term_user_id,
    new_secret,
    require_long_term,
    temporary_access_key_id,
)

SESSION_TOKEN_WITH_SESSION = "Cannot call GetSessionToken with session credentials"


def get_session_token(ctx: OperationContext, params: Params) -> Result:
    """Needs no permission (id_credentials_temp_control-access_getsessiontoken.md); the new
    session acts as the user with the user's permissions, plus the MFA state proven here."""
    require_long_term(ctx, SESSION_TOKEN_WITH_SESSION)
    check = verify_mfa(ctx, params.get("SerialNumber"), params.get("TokenCode"))
    issued = issue_time(ctx.now)
    caller = ctx.caller
    claims = SessionClaims(
        kind=SessionKind.SESSION_TOKEN,
        account_id=caller.account_id,
        access_key_id=temporary_access_key_id(caller.account_id, ctx.rng),
        secret_access_key=new_secret(ctx.rng),
        issued_at=issued,
        expires_at=expiry(issued, long_term_duration(ctx, params.get("DurationSeconds"))),
        principal_arn=caller.arn,
        principal_id=caller.user_id,
        source_user_arn=caller.arn,
        source_user_id=long_term_user_id(ctx),
        mfa_authenticated=check.authenticated,
        mfa_authenticated_at=check.authenticated_at,
    )
    return {"Credentials": credentials_to_wire(ctx, claims)}


HANDLERS: dict[str, Handler] = {"GetSessionToken": get_session_token}
