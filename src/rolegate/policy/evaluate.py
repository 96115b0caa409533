"""``evaluate(request, policies) -> Decision``: AWS's evaluation logic as one decision table.

Sources: "Policy evaluation logic", "Cross-account policy evaluation logic", "Permissions
boundaries for IAM entities", "IAM JSON policy elements: Principal" (see docs/policy-evaluation.md
sections 2-3 for the rule-by-rule reading). Evaluation gathers *facts* (is there an applicable
Deny? which principal ARN did a resource-policy Allow name? does each policy type allow?) and
one ``match`` turns them into the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from rolegate.policy.compile import CompiledPolicy, resource_service
from rolegate.policy.decision import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    MatchedStatement,
    deferred,
)
from rolegate.policy.index import SlotIndex
from rolegate.policy.plan import (
    STRATEGIES,
    Candidates,
    build_plan,
)
from rolegate.policy.principals import Grant
from rolegate.policy.request import (
    NON_IAM_TYPES,
    SESSION_TYPES,
    ContextValue,
    Principal,
    Request,
    principal_context,
)

# Actions whose resource policy (the role trust policy) must allow in all cases ("Policy
# evaluation logic": "IAM role trust policies and KMS key policies ... must explicitly allow").
TRUST_POLICY_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)
# Services whose resource policy must allow in all cases: KMS key policies ("Policy evaluation
# logic" -> *Resource-based policies*; an identity policy alone never grants a key).
RESOURCE_POLICY_SERVICES = frozenset({"kms"})
_MEMO_LIMIT = 4096


def resource_policy_required(action: str) -> bool:
    """Role trust policies and KMS key policies must explicitly allow (``action`` lower-cased)."""
    return action in TRUST_POLICY_ACTIONS or action.partition(":")[0] in RESOURCE_POLICY_SERVICES


_SLOTS = ("identity", "resource", "boundary", "session", "scp")


class Caller(NamedTuple):
    """What evaluation needs to know about the principal, computed once per PolicySet."""

    principal: Principal
    kind: str  # "root" | "iam" | "non_iam"
    is_session: bool
    context: dict[str, ContextValue]  # keys derived from the principal (aws:PrincipalArn...)
    # Facts that hold whatever the request (see Facts): no Allow is needed from ...
    scps_not_needed: bool  # ... SCPs (there are none, or the caller is not an IAM principal)
    identity_not_needed: bool  # ... identity policies (root in its own account)
    boundary_not_needed: bool  # ... a boundary (there is none, or root)
    session_not_needed: bool  # ... session policies (not a session, or none narrows it; root)


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every compiled policy that bears on one principal's requests.

    ``None`` means "none of this type": no resource policy, no boundary, no session policies
    (an empty tuple of session policies or SCPs counts as none). Reuse one PolicySet per
    principal: its action index is built on first use and kept.
    """

    identity: tuple[CompiledPolicy, ...] = ()
    resource: CompiledPolicy | None = None
    boundary: CompiledPolicy | None = None
    session: tuple[CompiledPolicy, ...] | None = None
    scps: tuple[CompiledPolicy, ...] | None = None
    # How an explanation walks the candidates (plan.py): "auto", "by_statement" or "by_test";
    # the statements found are the same.
    strategy: str = field(default="auto", repr=False, compare=False)
    _indexes: list[SlotIndex] = field(default_factory=list, init=False, repr=False, compare=False)
    _memo: dict[tuple[str, str], Candidates] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _caller: list[Caller] = field(default_factory=list, init=False, repr=False, compare=False)
    _table: dict[tuple[object, ...], tuple[str, tuple[str, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )  # decide() is a pure function of a few booleans: remember its rows
    _lowered: dict[str, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )  # action and context key names, lower-cased (a dict hit costs less than str.lower)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}, expected one of {STRATEGIES}")

    def candidates(self, action: str, resource: str = "*") -> Candidates:
        """Statements that can apply to ``action`` (lower-cased) on ``resource``, per type
        (identity, resource, boundary, session, scp), and whether any needs the context."""
        key = (action, resource_service(resource))
        found = self._memo.get(key)
        if found is None:
            if not self._indexes:
                self._indexes[:] = self._build_indexes()  # one atomic store, even if racing
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            slots = tuple(index.candidates(*key) for index in self._indexes)
            required = resource_policy_required(action)
            found = self._memo[key] = build_plan(
                slots, resource_required=required, strategy=self.strategy
            )
        return found

    def explain(self, request: Request) -> tuple[MatchedStatement, ...]:
        """Every statement that applies to ``request``, in policy-type order then policy order:
        the ``matched`` of its :class:`Decision`, listed when first asked."""
        plan = self.candidates(_lowered_action(self._lowered, request.action), request.resource)
        who = request.principal
        caller = self.caller(who)
        context = _context(request, caller, self._lowered) if plan.needs_context else None
        return tuple(plan.explainer.matched(request.resource, context, who, caller.is_session))

    def caller(self, who: Principal) -> Caller:
        """Facts about ``who`` (a one-entry cache: a PolicySet usually serves one principal)."""
        remembered = self._caller[0] if self._caller else None
        if remembered is not None and remembered.principal is who:
            return remembered
        kind = "root" if who.type == "root" else "non_iam" if who.type in NON_IAM_TYPES else "iam"
        root = kind == "root"  # full access in its own account: its identity side allows
        caller = Caller(
            who,
            kind,
            who.type in SESSION_TYPES,
            principal_context(who),
            scps_not_needed=not self.scps or kind == "non_iam",
            identity_not_needed=root,
            boundary_not_needed=self.boundary is None or root,
            session_not_needed=_session_policy_not_needed(who, self) or root,
        )
        self._caller[:] = [caller]  # one atomic store
        return caller

    def _build_indexes(self) -> list[SlotIndex]:
        groups: tuple[tuple[CompiledPolicy, ...], ...] = (
            self.identity,
            (self.resource,) if self.resource else (),
            (self.boundary,) if self.boundary else (),
            self.session or (),
            self.scps or (),
        )
        return [SlotIndex(slot, group) for slot, group in zip(_SLOTS, groups, strict=True)]


class Facts(NamedTuple):
    """What the decision table looks at."""

    explicit_deny: bool
    caller: str  # "root" | "iam" (user / sessions) | "non_iam" (service, anonymous, federation)
    cross_account: bool
    scp_allows: bool
    resource_required: bool  # trust (sts:AssumeRole*) and KMS key policies must always allow
    grant: Grant | None  # strongest grant of an applicable resource-policy Allow
    identity_allows: bool
    boundary_allows: bool  # True when there is no boundary
    session_allows: bool  # True for non-sessions and role sessions without session policy


def evaluate(request: Request, policies: PolicySet) -> Decision:
    """Decide one request; pure and deterministic. The decision lists the statements that applied
    (``matched``) when first asked (:meth:`PolicySet.explain`)."""
    lowered = policies._lowered
    resource = request.resource
    action = lowered.get(request.action)
    if action is None:
        action = _remember_lowered(lowered, request.action)
    plan = policies._memo.get((action, resource_service(resource)))  # (candidates(), inlined)
    if plan is None:
        plan = policies.candidates(action, resource)
    who = request.principal
    caller = policies.caller(who)
    context = _context(request, caller, lowered) if plan.needs_context else None
    decider = plan.decide if caller.is_session else plan.decide_without_session
    deny, identity, boundary, session, scp, grant = decider(resource, context, who)
    if deny:  # 2.2: an applicable Deny decides alone (the table's first row)
        return deferred(EXPLICIT_DENY, (), request, policies)
    owner, account = request.resource_account, who.account
    facts = (  # the fields of Facts, as a plain tuple (cheaper to build and hash)
        False,
        caller.kind,
        owner is not None and account is not None and owner != account,
        scp or caller.scps_not_needed,
        plan.resource_required,
        grant,
        identity or caller.identity_not_needed,
        boundary or caller.boundary_not_needed,
        session or caller.session_not_needed,
    )
    row = policies._table.get(facts)
    if row is None:
        row = policies._table[facts] = decide(Facts(*facts))
    return deferred(row[0], row[1], request, policies)


def _lowered_action(lowered: dict[str, str], action: str) -> str:
    found = lowered.get(action)
    return found if found is not None else _remember_lowered(lowered, action)


def _context(request: Request, caller: Caller, lowered: dict[str, str]) -> dict[str, ContextValue]:
    """The request's context with lower-cased key names; explicit keys win over the keys derived
    from the principal."""
    context = caller.context.copy()
    given = request.context
    try:  # every name seen before: the copy runs in C
        context.update(zip(map(lowered.__getitem__, given), given.values(), strict=True))
    except KeyError:
        for key, value in given.items():
            context[lowered.get(key) or _remember_lowered(lowered, key)] = value
    return context


def _remember_lowered(lowered: dict[str, str], name: str) -> str:
    if len(lowered) >= _MEMO_LIMIT:
        lowered.clear()
    lowered[name] = name.lower()
    return lowered[name]


def _session_policy_not_needed(who: Principal, policies: PolicySet) -> bool:
    """Only sessions have session policies. Without one, a role session is not narrowed and a
    federated user gets nothing ("Policies and permissions in IAM" -> *Session policies*)."""
    if who.type not in SESSION_TYPES:
        return True
    if policies.session:
        return False
    return who.type != "federated_user"


def _identity_side_missing(facts: Facts) -> tuple[str, ...]:
    """The policy types of the caller's own account that lack an Allow."""
    missing = []
    if not facts.identity_allows:
        missing.append("identity")
    if not facts.boundary_allows:
        missing.append("boundary")
    if not facts.session_allows:
        missing.append("session")
    return tuple(missing)


def _limits_missing(facts: Facts) -> tuple[str, ...]:
    """The narrowing types (boundary, session) that lack an Allow."""
    return tuple(t for t in _identity_side_missing(facts) if t != "identity")


def decide(facts: Facts) -> tuple[str, tuple[str, ...]]:
    """The decision table: (effect, policy types missing an Allow). First matching row wins."""
    match facts:
        # 2.2: an applicable Deny in any policy (identity, resource, boundary, session, SCP).
        case Facts(explicit_deny=True):
            return EXPLICIT_DENY, ()
        # 2.3: SCPs must contain an applicable Allow (they also restrict the root user).
        case Facts(scp_allows=False):
            return IMPLICIT_DENY, ("scp",)
        # 2.1: the root user of the resource's own account has full access.
        case Facts(caller="root", cross_account=False):
            return ALLOW, ()
        # Services, anonymous and federated callers have no identity policies: the resource
        # policy alone decides ("IAM JSON policy elements: Principal" -> *All principals*).
        case Facts(caller="non_iam", grant=None):
            return IMPLICIT_DENY, ("resource",)
        case Facts(caller="non_iam"):
            return ALLOW, ()
        # 3: cross-account, the resource (trusting) account must allow the caller ...
        case Facts(cross_account=True, grant=None):
            return IMPLICIT_DENY, ("resource", *_identity_side_missing(facts))
        # ... and the caller's (trusted) account too: identity AND boundary AND session.
        case Facts(cross_account=True, identity_allows=True, boundary_allows=True) if (
            facts.session_allows
        ):
            return ALLOW, ()
        case Facts(cross_account=True):
            return IMPLICIT_DENY, _identity_side_missing(facts)
        # 2.4: same account, the resource policy named the caller's own ARN (user, role session,
        # federated session) or "*": Allow, not limited by identity, boundary or session.
        case Facts(grant=Grant.DIRECT):
            return ALLOW, ()
        # 2.4: it named the role ARN (or the user that federated): limited by boundary and
        # session policies, identity policy not needed.
        case Facts(grant=Grant.ROLE, boundary_allows=True, session_allows=True):
            return ALLOW, ()
        case Facts(grant=Grant.ROLE):
            return IMPLICIT_DENY, _limits_missing(facts)
        # 2.4 exception: a role trust policy (or a KMS key policy) must allow in all cases.
        case Facts(resource_required=True, grant=None):
            return IMPLICIT_DENY, ("resource", *_identity_side_missing(facts))
        # 2.5-2.7 (also a grant to the account, which only delegates): identity AND boundary AND
        # session must allow.
        case Facts(identity_allows=True, boundary_allows=True, session_allows=True):
            return ALLOW, ()
        case _:
            return IMPLICIT_DENY, _identity_side_missing(facts)
