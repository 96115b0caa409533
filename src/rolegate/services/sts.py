"""STS (id_credentials_temp_request.md): GetCallerIdentity, GetAccessKeyInfo, GetSessionToken,
GetFederationToken; AssumeRole lives in ``sts_assume_role``.

Who may call what, and for how long (id_credentials_temp_request.md, "Comparing the AWS STS API
operations"): GetSessionToken and GetFederationToken need long-term credentials of an IAM user or
the root user; the root user's sessions last at most one hour (a longer request is cut to one
hour, not refused); an IAM user's from 15 minutes to 36 hours, 12 hours by default.
"""

from __future__ import annotations

from rolegate.domain.arn import federated_user_arn
from rolegate.domain.errors import AccessDenied
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services import mfa
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.sts_assume_role import assume_role
from rolegate.services.sts_credentials import (
    account_of_access_key,
    credentials_to_wire,
    expiry,
    issue_time,
    new_secret,
    packed_policy_size,
    session_policy,
    session_policy_arns,
    session_tags,
    temporary_access_key_id,
)

DEFAULT_TOKEN_DURATION = 43_200
ROOT_MAX_DURATION = 3_600
SESSION_TOKEN_WITH_SESSION = "Cannot call GetSessionToken with session credentials"
# unverified: modelled on GetSessionToken's message
FEDERATION_TOKEN_WITH_SESSION = "Cannot call GetFederationToken with session credentials"


def get_caller_identity(ctx: OperationContext, params: Params) -> Result:
    """Always allowed, even under an explicit deny (the GetCallerIdentity API reference)."""
    return {
        "UserId": ctx.caller.user_id,
        "Account": ctx.caller.account_id,
        "Arn": ctx.caller.arn,
    }


def get_access_key_info(ctx: OperationContext, params: Params) -> Result:
    """The account that owns an access key: stored keys from the store, others (temporary keys,
    keys of other systems) from the account encoded in AWS-format key ids."""
    ctx.authorize("sts:GetAccessKeyInfo", "*")
    key_id = params["AccessKeyId"]
    key = ctx.tx.access_keys.get(key_id)
    account = key.account_id if key is not None else account_of_access_key(key_id)
    # unverified: AWS decodes every well-formed key id; this answers the caller's own account
    # for ids that are not base32.
    return {"Account": account or ctx.account_id}


def _duration(ctx: OperationContext, requested: int | None) -> int:
    duration = requested or DEFAULT_TOKEN_DURATION
    if ctx.caller.principal_type == "root":
        return min(duration, ROOT_MAX_DURATION)
    return duration


def _long_term_only(ctx: OperationContext, message: str) -> None:
    if ctx.caller.session is not None or ctx.caller.principal_type not in ("user", "root"):
        raise AccessDenied(message)


def _user_id(ctx: OperationContext) -> str | None:
    """The calling IAM user's unique id: its sessions end with it (``server.authn``); None for
    the root user, whose account outlives every session."""
    return ctx.caller.user_id if ctx.caller.principal_type == "user" else None


def get_session_token(ctx: OperationContext, params: Params) -> Result:
    """Needs no permission (id_credentials_temp_control-access_getsessiontoken.md); the new
    session acts as the user with the user's permissions, plus the MFA state proven here."""
    _long_term_only(ctx, SESSION_TOKEN_WITH_SESSION)
    check = mfa.verify_mfa(ctx, params.get("SerialNumber"), params.get("TokenCode"))
    issued = issue_time(ctx.now)
    caller = ctx.caller
    claims = SessionClaims(
        kind=SessionKind.SESSION_TOKEN,
        account_id=caller.account_id,
        access_key_id=temporary_access_key_id(caller.account_id, ctx.rng),
        secret_access_key=new_secret(ctx.rng),
        issued_at=issued,
        expires_at=expiry(issued, _duration(ctx, params.get("DurationSeconds"))),
        principal_arn=caller.arn,
        principal_id=caller.user_id,
        source_user_arn=caller.arn,
        source_user_id=_user_id(ctx),
        mfa_authenticated=check.authenticated,
        mfa_authenticated_at=check.authenticated_at,
    )
    return {"Credentials": credentials_to_wire(ctx, claims)}


def get_federation_token(ctx: OperationContext, params: Params) -> Result:
    """A federated user: the calling user's permissions narrowed by the session policies; no
    session policy means no permissions (id_credentials_temp_control-access_getfederationtoken.md).
    Session tags are allowed, transitive ones are not (there is no chaining)."""
    _long_term_only(ctx, FEDERATION_TOKEN_WITH_SESSION)
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
    issued = issue_time(ctx.now)
    federated_id = f"{caller.account_id}:{name}"
    claims = SessionClaims(
        kind=SessionKind.FEDERATED_USER,
        account_id=caller.account_id,
        access_key_id=temporary_access_key_id(caller.account_id, ctx.rng),
        secret_access_key=new_secret(ctx.rng),
        issued_at=issued,
        expires_at=expiry(issued, _duration(ctx, params.get("DurationSeconds"))),
        principal_arn=arn,
        principal_id=federated_id,
        session_name=name,
        source_user_arn=caller.arn,
        source_user_id=_user_id(ctx),
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


def operations() -> dict[str, Handler]:
    return {
        "GetCallerIdentity": get_caller_identity,
        "GetAccessKeyInfo": get_access_key_info,
        "GetSessionToken": get_session_token,
        "GetFederationToken": get_federation_token,
        "AssumeRole": assume_role,
    }
