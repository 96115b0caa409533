"""The request side of one authorization decision (docs/policy-evaluation.md 1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

ContextValue = str | Sequence[str]

PRINCIPAL_TYPES = (
    "user",
    "role_session",
    "federated_user",
    "root",
    "service",
    "anonymous",
    "web_identity",
    "saml",
)
SESSION_TYPES = ("role_session", "federated_user")
# Principals that have no identity policies: only a resource policy can grant them anything.
NON_IAM_TYPES = ("service", "anonymous", "web_identity", "saml")

# "IAM policy elements: Variables and tags" -> *Principal key values*
_PRINCIPAL_TYPE_KEY = {
    "user": "User",
    "role_session": "AssumedRole",
    "federated_user": "FederatedUser",
    "root": "Account",
    "anonymous": "Anonymous",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who calls.

    ``arn`` is the caller's own ARN: the user, the ``assumed-role`` session, the
    ``federated-user`` session, the account root, the service name (``ec2.amazonaws.com``), or
    for ``web_identity``/``saml`` the identity provider named by ``Federated`` in trust policies.
    ``role_arn`` is set for role sessions, ``user_arn`` for federated users (the IAM user that
    called GetFederationToken). ``id`` is the unique id (``aws:userid``, or a canonical user id).
    ``unique_id`` is the unique id of the IAM user or role the caller is or acts for: a user's
    ``AIDA…`` (for a federated user, the user that called GetFederationToken), the role's
    ``AROA…`` for role sessions. A resource policy's principal that IAM bound to a unique id when
    it stored the policy names the caller only through it (:mod:`rolegate.policy.principals`).
    """

    type: str
    arn: str
    account: str | None = None
    role_arn: str | None = None
    user_arn: str | None = None
    id: str | None = None
    unique_id: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """One action on one resource; ``context`` key names are case-insensitive."""

    principal: Principal
    action: str
    resource: str
    resource_account: str | None = None
    context: Mapping[str, ContextValue] = field(default_factory=dict)


def principal_context(principal: Principal) -> dict[str, ContextValue]:
    """Global keys AWS derives from the principal (lower-cased names).

    ``aws:PrincipalArn`` is the role ARN for role sessions ("AWS global condition context keys");
    ``aws:username`` exists only for IAM users.
    """
    keys: dict[str, ContextValue] = {}
    principal_type = _PRINCIPAL_TYPE_KEY.get(principal.type)
    if principal_type is not None:
        keys["aws:principaltype"] = principal_type
    if principal.type in ("user", "role_session", "federated_user", "root"):
        keys["aws:principalarn"] = principal.role_arn or principal.arn
        if principal.account:
            keys["aws:principalaccount"] = principal.account
    if principal.type == "user":
        keys["aws:username"] = principal.arn.rsplit("/", 1)[-1]
    if principal.id and principal.type != "anonymous":
        keys["aws:userid"] = principal.id
    return keys


def lowered_context(request: Request) -> dict[str, ContextValue]:
    """Context with lower-cased key names; explicit keys win over derived principal keys."""
    context = principal_context(request.principal)
    for key, value in request.context.items():
        context[key.lower()] = value
    return context
