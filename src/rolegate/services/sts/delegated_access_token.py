"""GetDelegatedAccessToken
(https://docs.aws.amazon.com/STS/latest/APIReference/API_GetDelegatedAccessToken.html): a
partner trades the exchange token of an accepted delegation request
(:mod:`rolegate.services.iam.delegation_requests`) for credentials. rolegate onboards no partner
and so issues no trade-in token: after ``sts:GetDelegatedAccessToken`` is allowed, every token is
answered as one that can no longer be exchanged.
"""

from __future__ import annotations

from rolegate.domain.errors import ExpiredTradeInToken
from rolegate.services.context import Handler, OperationContext, Params, Result

# The model's documentation of ExpiredTradeInTokenException; AWS's wire text is not recorded.
NOT_EXCHANGEABLE = (
    "The trade-in token provided in the request has expired and can no longer be exchanged for "
    "credentials."
)  # unverified


def get_delegated_access_token(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("sts:GetDelegatedAccessToken", "*")
    raise ExpiredTradeInToken(NOT_EXCHANGEABLE)


HANDLERS: dict[str, Handler] = {"GetDelegatedAccessToken": get_delegated_access_token}
