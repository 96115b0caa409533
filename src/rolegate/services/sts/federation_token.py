"""GetFederationToken (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html):
a federated user acting with the calling IAM user's permissions narrowed by session policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html).
"""

from __future__ import annotations

from rolegate.domain.arn import federated_user_arn
from rolegate.domain.session import SessionKind
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.sts.credentials import (
    credentials_to_wire,
    long_term_session,
    packed_policy_size,
    require_long_term,
    session_policy,
    session_policy_arns,
    session_tags,
)

# unverified: modelled on GetSessionToken's message
FEDERATION_TOKEN_WITH_SESSION = "Cannot call GetFederationToken with session credentials"


def get_federation_token(ctx: OperationContext, params: Params) -> Result:
    """A federated user: the calling user's permissions narrowed by the session policies; no
    session policy means no permissions.
    Session tags are allowed, transitive ones are not (there is no chaining)."""
    require_long_term(ctx, FEDERATION_TOKEN_WITH_SESSION)
    name = params["Name"]
    caller = ctx.caller
    arn = federated_user_arn(caller.account_id, name)
    ctx.authorize("sts:GetFederationToken", arn)
    policy = session_policy(params)
    policy_arns = session_policy_arns(params)
    tags = session_tags(params)
    if tags:
        ctx.authorize("sts:TagSession", arn)
    packed = None
    if policy is not None or policy_arns or tags:
        packed = packed_policy_size(policy, policy_arns, tags)
    federated_id = f"{caller.account_id}:{name}"
    claims = long_term_session(
        ctx,
        params,
        kind=SessionKind.FEDERATED_USER,
        principal_arn=arn,
        principal_id=federated_id,
        session_name=name,
        session_policy=policy,
        session_policy_arns=policy_arns,
        tags=tags,
    )
    result: Result = {
        "Credentials": credentials_to_wire(ctx, claims),
        "FederatedUser": {"FederatedUserId": federated_id, "Arn": arn},
    }
    if packed is not None:
        result["PackedPolicySize"] = packed
    return result


HANDLERS: dict[str, Handler] = {"GetFederationToken": get_federation_token}
