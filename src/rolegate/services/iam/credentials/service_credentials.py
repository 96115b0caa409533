"""Service-specific credentials: CreateServiceSpecificCredential,
ListServiceSpecificCredentials, ResetServiceSpecificCredential,
UpdateServiceSpecificCredential, DeleteServiceSpecificCredential
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html).

Two kinds, by service (``SERVICES``): a user name and a generated password (CodeCommit's Git
credentials, Amazon Keyspaces), or a long-term API key, an alias and a secret, that may expire after
``CredentialAgeDays`` (Amazon Bedrock, CloudWatch Logs;
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_api_keys_for_aws_services.html).
The password or secret is shown by Create and Reset only and kept sealed. A user holds at most two
per service; ids are ``ACCA`` and 17 characters. Without ``UserName`` the operations other than
Create act on the calling user. rolegate does not attach the AWS managed policy AWS attaches to a
user given an API key (AmazonBedrockLimitedAccess, CloudWatchLogsAPIKeyAccess).
"""

from __future__ import annotations

import base64
import enum
from dataclasses import replace
from datetime import datetime, timedelta
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


class Kind(enum.Enum):
    PASSWORD = "password"  # ServiceUserName and ServicePassword
    API_KEY = "api_key"  # ServiceCredentialAlias and ServiceCredentialSecret, may expire


# The services API_CreateServiceSpecificCredential names: CodeCommit, Amazon Keyspaces (for Apache
# Cassandra), Amazon Bedrock and Amazon CloudWatch Logs.
SERVICES = {
    "codecommit.amazonaws.com": Kind.PASSWORD,
    "cassandra.amazonaws.com": Kind.PASSWORD,
    "bedrock.amazonaws.com": Kind.API_KEY,
    "logs.amazonaws.com": Kind.API_KEY,
}
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
# unverified: an API key is "ABSK" and the base64 of "ALIAS:SECRET", as Bedrock's long-term keys
# look; the alias names the user and the account.
API_KEY_PREFIX = "ABSK"


def _unsupported(service: str) -> NoSuchEntity:
    """AWS answers an unknown service with NoSuchEntity (404), not the model's
    NotSupportedService."""
    return NoSuchEntity(f"No such service {service} is supported for Service Specific Credentials")


def _no_such_credential(credential_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"No such credential {credential_id} exists")


def _password(ctx: OperationContext) -> str:
    raw = bytes(ctx.rng.randrange(0, 256) for _ in range(PASSWORD_BYTES))
    return base64.b64encode(raw).decode("ascii")


def _secret(ctx: OperationContext, kind: Kind, alias: str) -> str:
    """A new password, or a new API key for ``alias``."""
    password = _password(ctx)
    if kind is Kind.PASSWORD:
        return password
    return API_KEY_PREFIX + base64.b64encode(f"{alias}:{password}".encode()).decode("ascii")


def credential_status(credential: ServiceSpecificCredential, now: datetime) -> str:
    """``Expired`` once an API key's expiration date has passed."""
    if credential.expiration_date is not None and now >= credential.expiration_date:
        return "Expired"
    return credential.status


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


def _names(credential: ServiceSpecificCredential) -> dict[str, Any]:
    """The user name (passwords) or the alias and expiration date (API keys)."""
    if SERVICES.get(credential.service_name) is Kind.API_KEY:
        out: dict[str, Any] = {"ServiceCredentialAlias": credential.service_user_name}
        if credential.expiration_date is not None:
            out["ExpirationDate"] = credential.expiration_date
        return out
    return {"ServiceUserName": credential.service_user_name}


def _metadata(
    user_name: str, credential: ServiceSpecificCredential, now: datetime
) -> dict[str, Any]:
    return {
        "UserName": user_name,
        "Status": credential_status(credential, now),
        **_names(credential),
        "CreateDate": credential.create_date,
        "ServiceSpecificCredentialId": credential.credential_id,
        "ServiceName": credential.service_name,
    }


def _with_secret(
    user: User, credential: ServiceSpecificCredential, now: datetime
) -> dict[str, Any]:
    secret = (
        "ServiceCredentialSecret"
        if SERVICES.get(credential.service_name) is Kind.API_KEY
        else "ServicePassword"
    )
    return {
        "CreateDate": credential.create_date,
        "ServiceName": credential.service_name,
        **_names(credential),
        secret: credential.service_password,
        "ServiceSpecificCredentialId": credential.credential_id,
        "UserName": user.user_name,
        "Status": credential_status(credential, now),
    }


def create_service_specific_credential(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:CreateServiceSpecificCredential", lock=True)
    service = params["ServiceName"]
    kind = SERVICES.get(service)
    if kind is None:
        raise _unsupported(service)
    age = params.get("CredentialAgeDays")
    if age is not None and kind is not Kind.API_KEY:
        raise InvalidInput(NO_AGE_FOR_PASSWORDS)
    existing = ctx.tx.service_credentials.list(ctx.account_id, user.user_id, service)
    if len(existing) >= PER_SERVICE:
        raise LimitExceeded(TOO_MANY)
    # The second set's name carries "+1" (as CodeCommit's Git credentials do; unverified).
    taken = {c.service_user_name for c in existing}
    service_user_name = f"{user.user_name}-at-{ctx.account_id}"
    if service_user_name in taken:
        service_user_name = f"{user.user_name}+1-at-{ctx.account_id}"
    expires = ctx.now + timedelta(days=age) if age is not None else None
    credential = insert_with_fresh_id(
        lambda: ServiceSpecificCredential(
            credential_id=unique_id(IdPrefix.SERVICE_SPECIFIC_CREDENTIAL, ctx.rng),
            account_id=ctx.account_id,
            user_id=user.user_id,
            service_name=service,
            service_user_name=service_user_name,
            service_password=_secret(ctx, kind, service_user_name),
            status="Active",
            create_date=ctx.now,
            expiration_date=expires,
        ),
        ctx.tx.service_credentials.create,
    )
    return {"ServiceSpecificCredential": _with_secret(user, credential, ctx.now)}


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
        items = [_metadata(names.get(c.user_id, ""), c, ctx.now) for c in found]
    else:
        user = _user(ctx, params, "iam:ListServiceSpecificCredentials")
        if service is not None and service not in SERVICES:
            raise _unsupported(service)
        found = ctx.tx.service_credentials.list(ctx.account_id, user.user_id, service)
        items = [_metadata(user.user_name, c, ctx.now) for c in found]
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
    kind = SERVICES.get(credential.service_name, Kind.PASSWORD)
    secret = _secret(ctx, kind, credential.service_user_name)
    ctx.tx.service_credentials.set_password(credential, secret)
    fresh = replace(credential, service_password=secret)
    return {"ServiceSpecificCredential": _with_secret(user, fresh, ctx.now)}


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
