"""Service-specific credentials: CreateServiceSpecificCredential,
ListServiceSpecificCredentials, ResetServiceSpecificCredential,
UpdateServiceSpecificCredential, DeleteServiceSpecificCredential
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html).

A user name and a generated password for one service: CodeCommit's Git credentials and Amazon
Keyspaces' (``SERVICES``). The password is shown by Create and Reset only and kept sealed. A user
holds at most two per service; ids are ``ACCA`` and 17 characters. Without ``UserName`` the
operations other than Create act on the calling user.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from rolegate.domain.arn import user_arn
from rolegate.domain.credentials import ServiceSpecificCredential
from rolegate.domain.entities import User
from rolegate.domain.errors import InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.services._pagination import page_by_position
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.credentials._owned import insert_with_fresh_id
from rolegate.services.iam.users import NON_USER_CREDENTIALS, load_user, target_user_name

# The services that take user-name-and-password credentials: CodeCommit (Git credentials) and
# Amazon Keyspaces (for Apache Cassandra).
SERVICES = frozenset({"codecommit.amazonaws.com", "cassandra.amazonaws.com"})
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html:
# "a maximum of two sets of service-specific credentials for each supported service per user".
PER_SERVICE = 2
# unverified wordings, the next three
TOO_MANY = f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {PER_SERVICE}"
ONE_USER_OR_ALL = "Cannot specify both UserName and AllUsers."
NO_AGE_FOR_PASSWORDS = (
    "CredentialAgeDays is only supported for services that support long-term API keys."
)
PASSWORD_BYTES = 44  # base64: 60 characters, the last one "=" as AWS's passwords end


def _unsupported(service: str) -> NoSuchEntity:
    """AWS answers an unknown service with NoSuchEntity (404), not the model's
    NotSupportedService."""
    return NoSuchEntity(f"No such service {service} is supported for Service Specific Credentials")


def _no_such_credential(credential_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"No such credential {credential_id} exists")


def _password(ctx: OperationContext) -> str:
    raw = bytes(ctx.rng.randrange(0, 256) for _ in range(PASSWORD_BYTES))
    return base64.b64encode(raw).decode("ascii")


def _user(ctx: OperationContext, params: Params, action: str, *, lock: bool = False) -> User:
    name = target_user_name(ctx, params)
    if name is None:  # the root user holds no service-specific credentials (unverified)
        raise ValidationError(NON_USER_CREDENTIALS)
    return load_user(ctx, name, action, lock=lock)


def _owned(
    ctx: OperationContext, params: Params, action: str
) -> tuple[User, ServiceSpecificCredential]:
    user = _user(ctx, params, action)
    credential_id = params["ServiceSpecificCredentialId"]
    credential = ctx.tx.service_credentials.get(credential_id)
    if credential is None or credential.user_id != user.user_id:
        raise _no_such_credential(credential_id)
    return user, credential


def _metadata(user_name: str, credential: ServiceSpecificCredential) -> dict[str, Any]:
    return {
        "UserName": user_name,
        "Status": credential.status,
        "ServiceUserName": credential.service_user_name,
        "CreateDate": credential.create_date,
        "ServiceSpecificCredentialId": credential.credential_id,
        "ServiceName": credential.service_name,
    }


def _with_password(user: User, credential: ServiceSpecificCredential) -> dict[str, Any]:
    return {
        "CreateDate": credential.create_date,
        "ServiceName": credential.service_name,
        "ServiceUserName": credential.service_user_name,
        "ServicePassword": credential.service_password,
        "ServiceSpecificCredentialId": credential.credential_id,
        "UserName": user.user_name,
        "Status": credential.status,
    }


def create_service_specific_credential(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:CreateServiceSpecificCredential", lock=True)
    service = params["ServiceName"]
    if service not in SERVICES:
        raise _unsupported(service)
    if params.get("CredentialAgeDays") is not None:
        raise InvalidInput(NO_AGE_FOR_PASSWORDS)
    existing = ctx.tx.service_credentials.list(ctx.account_id, user.user_id, service)
    if len(existing) >= PER_SERVICE:
        raise LimitExceeded(TOO_MANY)
    # The second set's user name carries "+1" (as CodeCommit's Git credentials do; unverified).
    taken = {c.service_user_name for c in existing}
    service_user_name = f"{user.user_name}-at-{ctx.account_id}"
    if service_user_name in taken:
        service_user_name = f"{user.user_name}+1-at-{ctx.account_id}"
    credential = insert_with_fresh_id(
        lambda: ServiceSpecificCredential(
            credential_id=unique_id(IdPrefix.SERVICE_SPECIFIC_CREDENTIAL, ctx.rng),
            account_id=ctx.account_id,
            user_id=user.user_id,
            service_name=service,
            service_user_name=service_user_name,
            service_password=_password(ctx),
            status="Active",
            create_date=ctx.now,
        ),
        ctx.tx.service_credentials.create,
    )
    return {"ServiceSpecificCredential": _with_password(user, credential)}


def list_service_specific_credentials(ctx: OperationContext, params: Params) -> Result:
    service = params.get("ServiceName")
    if params.get("AllUsers"):
        if params.get("UserName") is not None:
            raise InvalidInput(ONE_USER_OR_ALL)
        ctx.authorize("iam:ListServiceSpecificCredentials", user_arn(ctx.account_id, "/", "*"))
        if service is not None and service not in SERVICES:
            raise _unsupported(service)
        names = {u.user_id: u.user_name for u in _all_users(ctx)}
        found = ctx.tx.service_credentials.list(ctx.account_id, None, service)
        items = [_metadata(names.get(c.user_id, ""), c) for c in found]
    else:
        user = _user(ctx, params, "iam:ListServiceSpecificCredentials")
        if service is not None and service not in SERVICES:
            raise _unsupported(service)
        found = ctx.tx.service_credentials.list(ctx.account_id, user.user_id, service)
        items = [_metadata(user.user_name, c) for c in found]
    return page_by_position(items, "ServiceSpecificCredentials", params)


def _all_users(ctx: OperationContext) -> list[User]:
    users: list[User] = []
    marker: str | None = None
    while True:
        page = ctx.tx.users.list(ctx.account_id, marker=marker, max_items=1000)
        users.extend(page.items)
        if page.next_marker is None:
            return users
        marker = page.next_marker


def reset_service_specific_credential(ctx: OperationContext, params: Params) -> Result:
    user, credential = _owned(ctx, params, "iam:ResetServiceSpecificCredential")
    password = _password(ctx)
    ctx.tx.service_credentials.set_password(credential, password)
    fresh = replace(credential, service_password=password)
    return {"ServiceSpecificCredential": _with_password(user, fresh)}


def update_service_specific_credential(ctx: OperationContext, params: Params) -> Result:
    _, credential = _owned(ctx, params, "iam:UpdateServiceSpecificCredential")
    ctx.tx.service_credentials.set_status(credential.credential_id, params["Status"])
    return {}


def delete_service_specific_credential(ctx: OperationContext, params: Params) -> Result:
    _, credential = _owned(ctx, params, "iam:DeleteServiceSpecificCredential")
    ctx.tx.service_credentials.delete(credential.credential_id)
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateServiceSpecificCredential": create_service_specific_credential,
    "ListServiceSpecificCredentials": list_service_specific_credentials,
    "ResetServiceSpecificCredential": reset_service_specific_credential,
    "UpdateServiceSpecificCredential": update_service_specific_credential,
    "DeleteServiceSpecificCredential": delete_service_specific_credential,
}
