"""Every policy that bears on one caller's requests, gathered before the engine decides
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, "Policy
evaluation logic").

* IAM user: its inline and attached managed policies, those of every group it is in
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html),
  its permissions boundary; GetSessionToken sessions have exactly the user's permissions.
* Role session: the role's inline and attached policies and boundary, narrowed by the session
  policies (``Policy`` and ``PolicyArns`` of AssumeRole*) carried in the session token.
* Federated user (GetFederationToken): the calling IAM user's policies and boundary, narrowed by
  the session policies; without any session policy it can do nothing.
* Root: none (full access to its own account is a row of the decision table).

Principal tags: the user's or role's tags, overridden by session tags
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html).

The user or role is the one of the caller's unique id (as authentication read it: a session
whose principal is gone never gets here, ``server.authn.live_session_caller``), never whoever
holds its name now; its policies are read by that id in one statement
(``store.repos.identity_policies``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Hashable
from dataclasses import dataclass

from rolegate.catalog import aws_managed_catalogue
from rolegate.domain.caller import Caller
from rolegate.domain.entities import Tag, User
from rolegate.domain.errors import MalformedPolicyDocument, ServiceFailure
from rolegate.domain.managed_policy import AWS_ACCOUNT, policy_arn
from rolegate.policy.compile import CompiledPolicy, PolicyCompiler
from rolegate.policy.evaluate import PolicySet
from rolegate.policy.request import Principal
from rolegate.services.authz.request_context import effective_principal_tags
from rolegate.store import Tx

log = logging.getLogger("rolegate.authz")
STORED_POLICY_FAILURE = (
    "The request processing has failed because of an unknown error, exception or failure."
)

# A policy by (policy id for the decision's reasons, document text).
SourcePolicy = tuple[str, str]

_AWS_POLICY_PREFIX = policy_arn(AWS_ACCOUNT, "/", "")  # arn:aws:iam::aws:policy/
# Stands in for a boundary or session policy ARN that names no known policy: it allows nothing,
# so an unknown boundary narrows to nothing rather than being ignored.
_ALLOWS_NOTHING = (
    '{"Version":"2012-10-17","Statement":'
    '[{"Effect":"Allow","Action":"rolegate:NoAction","Resource":"*"}]}'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PrincipalPolicies:
    identity: tuple[SourcePolicy, ...] = ()
    boundary: SourcePolicy | None = None
    session: tuple[SourcePolicy, ...] | None = None  # None: no session policies
    principal_tags: tuple[Tag, ...] = ()
    # GetScopedCredentials' scope-down layers: each must allow, besides all of the above
    scope: tuple[SourcePolicy, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledPrincipalPolicies:
    identity: tuple[CompiledPolicy, ...]
    boundary: CompiledPolicy | None
    session: tuple[CompiledPolicy, ...] | None
    principal_tags: tuple[Tag, ...]


class PolicySetCache:
    """Compiled PolicySets of one node, keyed by the policy texts they were built from.

    A PolicySet keeps its action index and memos, so reusing it saves most of a decision's
    work; keying by the texts (not by principal or version) means a changed policy simply
    misses, on every node. Bounded; emptied when full. Safe to share between threads.
    """

    def __init__(self, max_entries: int = 2048) -> None:
        self._max_entries = max_entries
        self._sets: dict[Hashable, PolicySet] = {}

    def get(self, key: Hashable) -> PolicySet | None:
        return self._sets.get(key)

    def put(self, key: Hashable, policy_set: PolicySet) -> None:
        if len(self._sets) >= self._max_entries:
            self._sets.clear()
        self._sets[key] = policy_set

    def __len__(self) -> int:
        return len(self._sets)


def engine_principal(caller: Caller) -> Principal:
    """The caller as the policy engine names principals; ``unique_id`` is what a resource
    policy's principal bound to a unique id must equal: the user's own id (long-term keys and
    GetSessionToken), the role's for role sessions, the calling user's for federated users."""
    session = caller.session
    unique_id = None
    if caller.principal_type == "user":
        unique_id = caller.user_id
    elif caller.principal_type == "role_session" and session is not None:
        unique_id = session.role_id
    elif caller.principal_type == "federated_user" and session is not None:
        unique_id = session.source_user_id
    return Principal(
        type=caller.principal_type,
        arn=caller.arn,
        account=caller.account_id,
        role_arn=session.role_arn if session is not None else None,
        user_arn=session.source_user_arn if session is not None else None,
        id=caller.user_id,
        unique_id=unique_id,
    )


def gather(tx: Tx, caller: Caller) -> PrincipalPolicies:
    """Read the caller's policies from the store and its session claims."""
    found = _gather(tx, caller)
    session = caller.session
    if session is None or not session.scope_policies:
        return found
    scope = tuple(
        (f"{caller.arn}/scope-policy-{n}", text)
        for n, text in enumerate(session.scope_policies, start=1)
    )
    return dataclasses.replace(found, scope=scope)


def _gather(tx: Tx, caller: Caller) -> PrincipalPolicies:
    session = caller.session
    if caller.principal_type == "role_session" and session is not None:
        return _role_session(tx, caller)
    if caller.principal_type == "federated_user" and session is not None:
        source = caller.user
        if source is None and session.source_user_id is not None:
            source = tx.users.get_by_id(session.source_user_id)
        user = _user_policies(tx, source)
        return PrincipalPolicies(
            identity=user.identity,
            boundary=user.boundary,
            session=_session_policies(tx, caller) or None,
            principal_tags=tuple(effective_principal_tags((), caller)),
        )
    if caller.principal_type == "user":
        user = _user_policies(tx, caller.user or tx.users.get_by_id(caller.user_id))
        tags = effective_principal_tags(user.principal_tags, caller)
        return PrincipalPolicies(
            identity=user.identity, boundary=user.boundary, principal_tags=tuple(tags)
        )
    return PrincipalPolicies()


def compile_policies(
    compiler: PolicyCompiler, found: PrincipalPolicies
) -> CompiledPrincipalPolicies:
    """Compile (cached by content hash in ``compiler``) what :func:`gather` found."""

    def one(source: SourcePolicy) -> CompiledPolicy:
        try:
            return compiler.compile(source[1], policy_id=source[0])
        except MalformedPolicyDocument:
            # Stored policies were validated when written; one the engine cannot read must not
            # be skipped (it may deny) nor blamed on this request: fail closed, loudly.
            log.exception("stored policy %s cannot be compiled", source[0])
            raise ServiceFailure(STORED_POLICY_FAILURE) from None

    return CompiledPrincipalPolicies(
        identity=tuple(one(p) for p in found.identity),
        boundary=one(found.boundary) if found.boundary is not None else None,
        session=tuple(one(p) for p in found.session) if found.session is not None else None,
        principal_tags=found.principal_tags,
    )


def managed_policy_document(tx: Tx, arn: str) -> str | None:
    """The default version's document of managed policy ``arn`` (customer managed, or AWS
    managed from the catalogue), None if there is none."""
    catalogue = aws_managed_catalogue()
    policy = catalogue.by_arn(arn) if arn.startswith(_AWS_POLICY_PREFIX) else None
    if policy is not None:
        version = catalogue.default_version(policy.policy_name)
        return None if version is None else version.document
    return tx.managed_policies.policy_document(arn)


def _boundary(tx: Tx, arn: str | None) -> SourcePolicy | None:
    if arn is None:
        return None
    return (arn, managed_policy_document(tx, arn) or _ALLOWS_NOTHING)


def _role_session(tx: Tx, caller: Caller) -> PrincipalPolicies:
    session = caller.session
    assert session is not None
    role = caller.role
    if role is None and session.role_id is not None:
        role = tx.roles.get_by_id(session.role_id)
    if role is None or role.arn != session.role_arn:
        # The role is gone (authentication refuses such sessions): no permissions.
        return PrincipalPolicies(session=_session_policies(tx, caller) or None)
    identity = tuple(tx.identity_policies.of_role(role.role_id, role.arn))
    return PrincipalPolicies(
        identity=identity,
        boundary=_boundary(tx, role.permissions_boundary_arn),
        session=_session_policies(tx, caller) or None,
        principal_tags=tuple(effective_principal_tags(role.tags, caller)),
    )


def _session_policies(tx: Tx, caller: Caller) -> tuple[SourcePolicy, ...]:
    session = caller.session
    if session is None:
        return ()
    found: list[SourcePolicy] = []
    if session.session_policy is not None:
        found.append((f"{caller.arn}/session-policy", session.session_policy))
    for arn in session.session_policy_arns:
        found.append((arn, managed_policy_document(tx, arn) or _ALLOWS_NOTHING))
    return tuple(found)


def _user_policies(tx: Tx, user: User | None) -> PrincipalPolicies:
    """An IAM user's inline and attached policies with its groups', boundary and tags (none
    for no user: the root user's federated users, or a user gone)."""
    if user is None:
        return PrincipalPolicies()
    identity = tuple(tx.identity_policies.of_user(user.user_id, user.arn))
    return PrincipalPolicies(
        identity=identity,
        boundary=_boundary(tx, user.permissions_boundary_arn),
        principal_tags=tuple(user.tags),
    )
