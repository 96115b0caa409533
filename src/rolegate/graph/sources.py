"""Who may call: the graph's nodes as the policy engine's principals.

An IAM user calls as itself; a role calls as a session of itself (role chaining). Principals of
accounts the graph was not given (an account named by a trust policy, a user or role ARN in such
an account) call with identity policies the graph cannot see: they stand in as one policy that
allows every STS action, named so that the explanation says the other account must allow too
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
Services, identity providers and ``*`` have no identity policies: the trust policy alone decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rolegate.graph.inputs import Document, IamPrincipal
from rolegate.graph.model import Node
from rolegate.policy import Principal, parse_policy

ASSUME_ROLE = "sts:AssumeRole"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
SAML = "sts:AssumeRoleWithSAML"
_SESSION = "graph"  # the session name of a role's stand-in session (the caller chooses it)
_IAM_ARN = re.compile(r"arn:([^:]+):(iam|sts)::(\d{12}):([a-z-]+)/(.+)")
_ACCOUNT = re.compile(r"(?:arn:[^:]+:iam::)?(\d{12})(?::root)?")
_ELSEWHERE = (
    '{"Version": "2012-10-17", "Statement": '
    '[{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}'
)


def elsewhere_policy_id(account: str | None) -> str:
    return f"identity policies of account {account} (not visible here)"


@dataclass(frozen=True, slots=True)
class Source:
    node: Node
    principal: Principal
    actions: tuple[str, ...]
    identity: tuple[Document, ...] = ()
    boundary: Document | None = None
    elsewhere: bool = False  # its identity side belongs to an account the graph was not given
    iam: IamPrincipal | None = None


def iam_source(found: IamPrincipal) -> Source:
    if found.kind == "user":
        who = Principal(
            "user", found.arn, found.account, id=found.unique_id, unique_id=found.unique_id
        )
    else:
        who = Principal(
            "role_session",
            f"arn:aws:sts::{found.account}:assumed-role/{found.name}/{_SESSION}",
            found.account,
            role_arn=found.arn,
            id=f"{found.unique_id}:{_SESSION}",
            unique_id=found.unique_id,
        )
    node = Node(found.arn, found.kind, f"{found.kind} {found.name}", found.account)
    return Source(node, who, (ASSUME_ROLE,), found.identity, found.boundary, iam=found)


def _elsewhere(node: Node, who: Principal) -> Source:
    policy = Document(elsewhere_policy_id(node.account), parse_policy(_ELSEWHERE))
    return Source(node, who, (ASSUME_ROLE,), (policy,), elsewhere=True)


_OPEN_TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, '
    '"Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]}'
)


def external_role(arn: str) -> IamPrincipal | None:
    """A role of an account the graph was not given, named by an identity policy: its trust
    policy is out of sight, and stands in as one that lets everyone in (the explanation says
    the other account must allow)."""
    match = _IAM_ARN.fullmatch(arn)
    if match is None or match.group(4) != "role" or "*" in arn or "?" in arn or "$" in arn:
        return None
    account, name = match.group(3), match.group(5).rsplit("/", 1)[-1]
    trust = Document(f"trust policy of {arn} (not visible here)", parse_policy(_OPEN_TRUST))
    return IamPrincipal("role", arn, name, "", account, (), trust=trust, elsewhere=True)


def account_source(account: str) -> Source:
    root = f"arn:aws:iam::{account}:root"
    # any user or role of that account (its root user cannot assume roles)
    who = Principal("user", root, account)
    return _elsewhere(Node(root, "account", f"account {account}", account), who)


def external_source(arn: str) -> Source | None:
    """A user or role ARN of an account the graph was not given (None: not such an ARN)."""
    match = _IAM_ARN.fullmatch(arn)
    if match is None:
        return None
    partition, _service, account, kind, rest = match.groups()
    name = rest.rsplit("/", 1)[-1]
    if kind == "user":
        who = Principal("user", arn, account)
    elif kind == "role":
        session = f"arn:{partition}:sts::{account}:assumed-role/{name}/{_SESSION}"
        who = Principal("role_session", session, account, role_arn=arn)
    elif kind == "assumed-role":
        role = f"arn:{partition}:iam::{account}:role/{rest.split('/')[0]}"
        who = Principal("role_session", arn, account, role_arn=role)
    else:
        return None
    return _elsewhere(Node(arn, "external", f"{kind} {rest} ({account})", account), who)


def account_of(value: str) -> str | None:
    match = _ACCOUNT.fullmatch(value)
    return match.group(1) if match else None


def service_source(name: str) -> Source:
    return Source(Node(name, "service", name), Principal("service", name), (ASSUME_ROLE,))


def provider_source(value: str, saml: bool) -> Source:
    kind, action = ("saml", SAML) if saml else ("oidc", WEB_IDENTITY)
    label = value.split(":saml-provider/")[-1].split(":oidc-provider/")[-1]
    who = Principal("saml" if saml else "web_identity", value)
    account = value.split(":")[4] if value.startswith("arn:") else None
    return Source(Node(value, kind, f"{kind.upper()} {label}", account), who, (action,))


def everyone_source() -> Source:
    return Source(
        Node("*", "everyone", "everyone (*)"),
        Principal("anonymous", "*"),
        (ASSUME_ROLE, WEB_IDENTITY, SAML),
    )
