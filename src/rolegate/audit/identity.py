"""``userIdentity``: who made a request, in CloudTrail's shape
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).

Built from the ``Caller`` authentication found; for the unsigned federation calls, from what the
call answered (the provider and subject the token or assertion named); for a request whose
signer is not known, ``Unknown`` with the access key id it claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rolegate.domain.caller import Caller
from rolegate.domain.session import SessionClaims

Identity = dict[str, Any]


def iso_time(moment: datetime) -> str:
    """CloudTrail's eventTime and creationDate: ISO 8601 in UTC to the second. The events of
    a busy node share their second: the last one's text is kept (one tuple, replaced whole, so
    threads never see half of one)."""
    global _last_second
    second = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    last = _last_second
    if last[0] == second:
        return last[1]
    text = moment.isoformat(timespec="seconds")[:19] + "Z"
    _last_second = (second, text)
    return text


_last_second: tuple[tuple[int, ...], str] = ((), "")


def caller_identity(caller: Caller, access_key_id: str | None) -> Identity:
    """The identity of a signed request's caller."""
    key = caller.access_key_id or access_key_id
    session = caller.session
    kind = caller.principal_type
    if kind == "root":
        identity: Identity = {
            "type": "Root",
            "principalId": caller.account_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
        }
    elif kind == "user":
        identity = {
            "type": "IAMUser",
            "principalId": caller.user_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
        }
    elif kind == "role_session":
        identity = {
            "type": "AssumedRole",
            "principalId": caller.user_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
        }
    elif kind == "federated_user":
        identity = {
            "type": "FederatedUser",
            "principalId": caller.user_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
        }
    else:  # not a signer: an AWS service acting for a workload, or not yet known
        identity = {"type": "AWSService" if kind == "service" else "Unknown"}
        if caller.arn:
            identity["invokedBy"] = caller.arn
    if key:
        identity["accessKeyId"] = key
    if kind == "user" and caller.user_name:
        identity["userName"] = caller.user_name
    if session is not None:
        identity["sessionContext"] = session_context(caller, session)
    return identity


def session_context(caller: Caller, session: SessionClaims) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if caller.principal_type == "role_session" and session.role_arn:
        context["sessionIssuer"] = {
            "type": "Role",
            "principalId": session.role_id or "",
            "arn": session.role_arn,
            "accountId": session.account_id,
            "userName": session.role_arn.rsplit("/", 1)[-1],
        }
        if session.federated_provider:
            context["webIdFederationData"] = {"federatedProvider": session.federated_provider}
    elif caller.principal_type == "federated_user" and session.source_user_arn:
        context["sessionIssuer"] = {
            "type": "IAMUser",
            "principalId": session.source_user_id or "",
            "arn": session.source_user_arn,
            "accountId": session.account_id,
            "userName": session.source_user_arn.rsplit("/", 1)[-1],
        }
    context["attributes"] = {
        "creationDate": iso_time(session.issued_at),
        "mfaAuthenticated": "true" if session.mfa_authenticated else "false",
    }
    if session.source_identity:
        context["sourceIdentity"] = session.source_identity
    return context


def federated_identity(operation: str, result: Mapping[str, Any] | None) -> Identity:
    """The identity of an AssumeRoleWithWebIdentity or AssumeRoleWithSAML call: the token's
    or assertion's subject at its provider, as far as the call's answer tells it."""
    found = result or {}
    if operation == "AssumeRoleWithSAML":
        identity: Identity = {"type": "SAMLUser"}
        subject, qualifier = found.get("Subject"), found.get("NameQualifier")
        if subject:
            identity["principalId"] = f"{qualifier}:{subject}" if qualifier else subject
            identity["userName"] = subject
        if found.get("Issuer"):
            identity["identityProvider"] = found["Issuer"]
        return identity
    identity = {"type": "WebIdentityUser"}
    subject, provider = found.get("SubjectFromWebIdentityToken"), found.get("Provider")
    if subject:
        audience = found.get("Audience")
        parts = [part for part in (provider, audience, subject) if part]
        identity["principalId"] = ":".join(parts)
        identity["userName"] = subject
    if provider:
        identity["identityProvider"] = provider
    return identity


def unknown_identity(access_key_id: str | None, account_id: str | None = None) -> Identity:
    """A request whose signature was not accepted: the key it claimed, and the key's account
    when the key exists."""
    identity: Identity = {"type": "Unknown"}
    if account_id:
        identity["accountId"] = account_id
    if access_key_id:
        identity["accessKeyId"] = access_key_id
    return identity


def lookup_username(identity: Mapping[str, Any]) -> str | None:
    """LookupEvents' ``Username`` for an identity: the IAM user's name, the role session's
    name, the federated user's name, ``root``."""
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    if kind in ("AssumedRole", "FederatedUser"):
        arn = str(identity.get("arn", ""))
        return arn.rsplit("/", 1)[-1] or None
    name = identity.get("userName")
    return str(name) if name else None
