"""An account as the access graph reads it: GetAccountAuthorizationDetails' users, groups, roles
and managed policies
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html),
plus the account's OpenID Connect and SAML providers.

The input is the API's shape (what the console's botocore client, boto3 or the admin command
gets); policy documents may be URL-encoded text as IAM returns them, plain JSON text, or the
dictionaries boto3 decodes them into. Each IAM principal comes out with its identity policies
(its own inline and attached ones, its groups'), its permissions boundary and, for a role, its
trust policy, each parsed once by the policy engine's parser (statement positions are those of
the text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from rolegate.domain.errors import AwsError
from rolegate.policy import PolicyDocument, parse_policy


@dataclass(frozen=True, slots=True)
class AccountView:
    """One account's authorization details (the pages of GetAccountAuthorizationDetails merged)
    and its identity providers' ARNs."""

    account_id: str
    details: Mapping[str, Any]
    oidc_providers: Sequence[str] = ()
    saml_providers: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A policy under the name the explanations give it."""

    policy_id: str  # e.g. "arn:aws:iam::123456789012:policy/deploy (group ops)"
    parsed: PolicyDocument


@dataclass(frozen=True, slots=True)
class IamPrincipal:
    kind: str  # "user" | "role"
    arn: str
    name: str
    unique_id: str
    account: str
    identity: tuple[Document, ...]
    boundary: Document | None = None
    boundary_missing: str | None = None  # a boundary ARN whose document the details lack
    trust: Document | None = None  # roles only
    skipped: tuple[str, ...] = field(default=())  # policies that did not parse or were missing
    elsewhere: bool = False  # a role of an account the graph was not given (its trust unseen)


def document_text(value: object) -> str:
    """A policy document as text: IAM's URL-encoded form decoded, boto3's dict dumped."""
    if isinstance(value, Mapping):
        return json.dumps(value, indent=4)
    text = str(value)
    return text if text.lstrip().startswith("{") else unquote(text)


def principals(view: AccountView) -> list[IamPrincipal]:
    """The account's users and roles with their policies, users first, each by name. Each
    distinct text is parsed once (a managed policy attached to many, the trust policy many roles
    share): its Documents share one parsed document."""
    details = view.details
    managed = _managed_documents(details.get("Policies") or ())
    parse = _Parser()
    groups = {g["GroupName"]: g for g in details.get("GroupDetailList") or ()}
    found: list[IamPrincipal] = []
    for user in details.get("UserDetailList") or ():
        docs: list[Document] = []
        skipped: list[str] = []
        name = user["UserName"]
        _add_own(parse, docs, skipped, managed, user, "UserPolicyList", "")
        for group_name in user.get("GroupList") or ():
            group = groups.get(group_name)
            if group is not None:
                _add_own(parse, docs, skipped, managed, group, "GroupPolicyList", group_name)
        found.append(_principal(parse, "user", user, name, user["UserId"], docs, skipped, managed))
    for role in details.get("RoleDetailList") or ():
        docs, skipped = [], []
        name = role["RoleName"]
        _add_own(parse, docs, skipped, managed, role, "RolePolicyList", "")
        trust = parse(f"trust policy of {role['Arn']}", role.get("AssumeRolePolicyDocument"))
        if trust is None:
            skipped.append(f"trust policy of {role['Arn']}")
        found.append(
            _principal(parse, "role", role, name, role["RoleId"], docs, skipped, managed, trust)
        )
    return found


def _principal(
    parse: _Parser,
    kind: str,
    entry: Mapping[str, Any],
    name: str,
    unique_id: str,
    docs: list[Document],
    skipped: list[str],
    managed: Mapping[str, str],
    trust: Document | None = None,
) -> IamPrincipal:
    arn = str(entry["Arn"])
    boundary: Document | None = None
    missing: str | None = None
    boundary_arn = (entry.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary_arn:
        text = managed.get(boundary_arn)
        boundary = parse(f"permissions boundary {boundary_arn}", text) if text else None
        if boundary is None:
            missing = boundary_arn
    return IamPrincipal(
        kind,
        arn,
        name,
        unique_id,
        arn.split(":")[4],
        tuple(docs),
        boundary,
        missing,
        trust,
        tuple(skipped),
    )


def _add_own(
    parse: _Parser,
    docs: list[Document],
    skipped: list[str],
    managed: Mapping[str, str],
    entry: Mapping[str, Any],
    inline_key: str,
    group: str,
) -> None:
    """The inline and attached policies of a user, group (``group`` its name) or role."""
    owner = str(entry["Arn"])
    for inline in entry.get(inline_key) or ():
        policy_id = f"inline policy {inline['PolicyName']} of {owner}"
        parsed = parse(policy_id, inline.get("PolicyDocument"))
        (docs.append(parsed) if parsed is not None else skipped.append(policy_id))
    for attached in entry.get("AttachedManagedPolicies") or ():
        arn = attached["PolicyArn"]
        policy_id = f"{arn} (through group {group})" if group else arn
        text = managed.get(arn)
        parsed = parse(policy_id, text) if text is not None else None
        (docs.append(parsed) if parsed is not None else skipped.append(policy_id))


def _managed_documents(policies: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Managed policy ARN -> its default version's text."""
    found: dict[str, str] = {}
    for policy in policies:
        for version in policy.get("PolicyVersionList") or ():
            if version.get("IsDefaultVersion") and version.get("Document") is not None:
                found[str(policy["Arn"])] = document_text(version["Document"])
    return found


class _Parser:
    """Documents by policy id, each distinct text parsed once."""

    def __init__(self) -> None:
        self._parsed: dict[str, PolicyDocument | None] = {}

    def __call__(self, policy_id: str, value: object) -> Document | None:
        if value is None:
            return None
        key = value if isinstance(value, str) else document_text(value)
        if key not in self._parsed:
            try:
                self._parsed[key] = parse_policy(document_text(key))
            except AwsError:  # a document IAM stored is valid; one a caller made up may not be
                self._parsed[key] = None
        parsed = self._parsed[key]
        return Document(policy_id, parsed) if parsed is not None else None
