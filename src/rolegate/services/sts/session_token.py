"""GetSessionToken (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html):
temporary credentials of the calling IAM user or root user, with the MFA state proven by the call
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html).

An IAM user's sessions last from 15 minutes to 36 hours, 12 hours by default; the root user's at
most one hour (``credentials.long_term_session``).
"""

from __future__ import annotations

from rolegate.domain.session import SessionKind
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam import verify_mfa
from rolegate.services.sts.credentials import (
    credentials_to_wire,
    long_term_session,
    require_long_term,
)

SESSION_TOKEN_WITH_SESSION = "Cannot call GetSessionToken with session credentials"


def get_session_token(ctx: OperationContext, params: Params) -> Result:
    """Needs no permission; the new session acts as the user with the user's permissions, plus
    the MFA state proven here."""
    require_long_term(ctx, SESSION_TOKEN_WITH_SESSION)
    check = verify_mfa(ctx, params.get("SerialNumber"), params.get("TokenCode"))
    claims = long_term_session(
        ctx,
        params,
        kind=SessionKind.SESSION_TOKEN,
        principal_arn=ctx.caller.arn,
        principal_id=ctx.caller.user_id,
        mfa_authenticated=check.authenticated,
        mfa_authenticated_at=check.authenticated_at,
    )
    return {"Credentials": credentials_to_wire(ctx, claims)}


HANDLERS: dict[str, Handler] = {"GetSessionToken": get_session_token}
