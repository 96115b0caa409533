"""DecodeAuthorizationMessage (https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html):
the decision document of a policy denial, sealed by ``rolegate.services.authz.messages`` when it
was denied.
"""

from __future__ import annotations

import json

from rolegate.domain.errors import InvalidAuthorizationMessage
from rolegate.services.authz import INVALID_MESSAGE, AuthorizationMessages
from rolegate.services.context import Handler, OperationContext, Params, Result


def decode_authorization_message(ctx: OperationContext, params: Params) -> Result:
    """Needs ``sts:DecodeAuthorizationMessage`` (resource ``*``); decodes messages of denials in
    the caller's own account only."""
    ctx.authorize("sts:DecodeAuthorizationMessage", "*")
    messages: AuthorizationMessages | None = getattr(ctx.authorizer, "messages", None)
    if messages is None:
        raise InvalidAuthorizationMessage(INVALID_MESSAGE)
    document = messages.decode(ctx.account_id, params["EncodedMessage"])
    return {"DecodedMessage": json.dumps(document, separators=(",", ":"))}


HANDLERS: dict[str, Handler] = {"DecodeAuthorizationMessage": decode_authorization_message}
