"""Authorization of every operation
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

Each operation calls ``ctx.authorize(action, resource)`` once it knows its resource ARN. The
:class:`RequestAuthorizer` gathers the caller's policies once per request (identity policies,
boundary, session policies: :mod:`rolegate.services.authz.principal_policies`), builds the request
context (:mod:`rolegate.services.authz.request_context`) and lets the engine decide
(:func:`rolegate.policy.evaluate.evaluate`). The account's root user has full access to its own
account and to nothing else. AssumeRole* trust checks go through :func:`evaluate_trust`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Role, Tag
from rolegate.domain.errors import AccessDenied, InvalidClientTokenId
from rolegate.domain.session import SessionKind
from rolegate.policy.compile import CompiledPolicy, PolicyCompiler
from rolegate.policy.decision import ALLOW, EXPLICIT_DENY, Decision
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.request import Principal, Request
from rolegate.services.authz.messages import AuthorizationMessages, decision_document
from rolegate.services.authz.principal_policies import (
    PolicySetCache,
    PrincipalPolicies,
    SourcePolicy,
    compile_policies,
    engine_principal,
    gather,
)
from rolegate.services.authz.request_context import (
    ContextDict,
    Surroundings,
    base_context,
    merged,
    parameter_context,
    pass_role_context,
    principal_context,
    resource_tag_context,
)
from rolegate.services.context import ContextValues, OperationContext, ResourcePolicy
from rolegate.store import Tx

# AssumeRole with root credentials (AssumeRole API reference: "You cannot use AWS account root
# user credentials to call AssumeRole"). Unverified wording, as commonly reported by the CLI.
ROOT_CANNOT_ASSUME = "Roles may not be assumed by root accounts."
# IAM words it without the final period (as answered to GetSessionToken credentials without
# MFA: aws/aws-cli#8918 shows IAM's XML); STS with it.
IAM_INVALID_TOKEN = "The security token included in the request is invalid"

_DENIED_IN = {
    "identity": "an identity-based policy",
    "resource": "a resource-based policy",
    "boundary": "a permissions boundary",
    "session": "a session policy",
    "scp": "a service control policy",
}
_NO_ALLOW = {
    "identity": "no identity-based policy",
    "resource": "no resource-based policy",
    "boundary": "no permissions boundary",
    "session": "no session policy",
    "scp": "no service control policy",
}


class PolicyDenied(AccessDenied):
    """AccessDenied decided by the policies; carries the encoded authorization message, which
    the pipeline logs with the request id (never sent: AWS's IAM and STS send none)."""

    def __init__(self, message: str, encoded_authorization_message: str | None = None) -> None:
        super().__init__(message)
        self.encoded_authorization_message = encoded_authorization_message


def denial_message(caller: Caller, action: str, resource: str, reason: str) -> str:
    """AWS's AccessDenied text.

    "User: ARN is not authorized to perform: ACTION on resource: ARN because …"; an action on
    ``*`` (no resource type) names no resource: "… perform: ACTION because …".
    """
    message = f"User: {caller.arn} is not authorized to perform: {action}"
    if resource != "*":
        message = f"{message} on resource: {resource}"
    return f"{message} {reason}" if reason else message


def reason_clause(decision: Decision, action: str) -> str:
    """The clause AWS appends to AccessDenied for IAM calls: "with an explicit deny in an
    identity-based policy", "because no permissions boundary allows the iam:X action", …"""
    if decision.effect == EXPLICIT_DENY:
        denying = next((m.policy_type for m in decision.matched if m.effect == "Deny"), "identity")
        return f"with an explicit deny in {_DENIED_IN.get(denying, _DENIED_IN['identity'])}"
    missing = decision.missing_allow
    kind = "scp" if "scp" in missing else (missing[0] if missing else "identity")
    return f"because {_NO_ALLOW.get(kind, _NO_ALLOW['identity'])} allows the {action} action"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One decision as the caller sees it: ``effect`` (Allow, ImplicitDeny, ExplicitDeny), the
    engine's ``decision`` (None for the root user in its own account, which needs none) and the
    AccessDenied text of a denial."""

    effect: str
    decision: Decision | None
    message: str | None

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW


@dataclass(slots=True, kw_only=True)
class RequestAuthorizer:
    """The engine-backed :class:`~rolegate.services.context.Authorizer` of one request.

    ``now`` is the request's time (``aws:CurrentTime``, MFA age). ``params`` are the operation's
    parsed parameters (for ``aws:RequestTag/*``, ``aws:TagKeys``, ``iam:PermissionsBoundary``,
    ``iam:PolicyARN``). Policies are read and compiled on the first decision and reused for the
    rest of the request.
    """

    caller: Caller
    now: datetime
    tx: Tx | None = None
    compiler: PolicyCompiler = field(default_factory=PolicyCompiler)
    source_ip: str | None = None
    secure_transport: bool = False
    region: str | None = None
    params: Mapping[str, Any] | None = None
    messages: AuthorizationMessages | None = None  # encodes denials for the server log
    policy_sets: PolicySetCache | None = None  # the node's, shared by requests
    on_verdict: Callable[[str], None] | None = None  # told each verdict's effect (metrics)
    _found: PrincipalPolicies | None = field(default=None, init=False)
    _principal: Principal | None = field(
        default=None, init=False
    )  # one object: PolicySet caches by it
    _policy_sets: dict[ResourcePolicy | None, PolicySet] = field(default_factory=dict, init=False)
    _resource_tags_known: dict[str, tuple[Tag, ...]] = field(default_factory=dict, init=False)
    _layer_sets: list[PolicySet] | None = field(default=None, init=False)

    def require(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: ResourcePolicy | None = None,
    ) -> None:
        verdict = self.judge(
            action,
            resource,
            resource_account=resource_account,
            context=context,
            resource_policy=resource_policy,
        )
        if verdict.decision is not None and not verdict.allowed:
            raise PolicyDenied(
                verdict.message or "",
                self.encode_denial(action, resource, verdict.decision, context, resource_policy),
            )

    def judge(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: ResourcePolicy | None = None,
    ) -> Verdict:
        """The decision of ``require`` without the exception: every IAM and STS call and every
        question to the authorization service are decided here. Raises only what is no policy
        decision (temporary credentials that may not call IAM at all)."""
        verdict = self._judge(action, resource, resource_account, context, resource_policy)
        if self.on_verdict is not None:
            self.on_verdict(verdict.effect)
        return verdict

    def _judge(
        self,
        action: str,
        resource: str,
        resource_account: str | None,
        context: ContextValues | None,
        resource_policy: ResourcePolicy | None,
    ) -> Verdict:
        caller = self.caller
        account = resource_account or caller.account_id
        _check_session_scope(caller, action)
        if _is_root(caller) and account == caller.account_id:
            # the root user has full access to its own account:
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
            return Verdict(ALLOW, None, None)
        decision = self.decide(
            action,
            resource,
            resource_account=account,
            context=context,
            resource_policy=resource_policy,
        )
        if decision.allowed:
            return Verdict(ALLOW, decision, None)
        reason = reason_clause(decision, action)
        return Verdict(decision.effect, decision, denial_message(caller, action, resource, reason))

    def decide(
        self,
        action: str,
        resource: str,
        *,
        resource_account: str | None = None,
        context: ContextValues | None = None,
        resource_policy: ResourcePolicy | None = None,
    ) -> Decision:
        """The engine's decision, with its reasons (no exception)."""
        policy_set = self._policy_set(resource_policy)
        needs_context = policy_set.candidates(action.lower(), resource).needs_context
        request_context: ContextDict = {}
        if needs_context:
            request_context = self.context_for(action, resource, context)
        elif context:
            request_context = merged(context)
        if self._principal is None:
            self._principal = engine_principal(self.caller)
        request = Request(
            principal=self._principal,
            action=action,
            resource=resource,
            resource_account=resource_account or self.caller.account_id,
            context=request_context,
        )
        decision = evaluate(request, policy_set)
        if decision.allowed and self._gathered().scope:
            return self._scoped(request, context)
        return decision

    def _scoped(self, request: Request, context: ContextValues | None) -> Decision:
        """An allowed request of a GetScopedCredentials session: every scope-down layer must
        allow it too
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getscopedcredentials.html:
        the intersection of the session's permissions and each layer). A layer is judged as the
        only policy of a principal of the caller's own account, neither root nor a session; a
        layer that does not allow is reported as a session policy (unverified: AWS's wording).
        """
        who = replace(request.principal, type="user")
        for layer in self._scope_sets():
            plan = layer.candidates(request.action.lower(), request.resource)
            layer_context: ContextDict = {}
            if plan.needs_context:
                layer_context = self.context_for(request.action, request.resource, context)
            verdict = evaluate(
                Request(who, request.action, request.resource, who.account, layer_context), layer
            )
            if not verdict.allowed:
                matched = (replace(m, policy_type="session") for m in verdict.matched)
                missing = ("session",) if verdict.effect != EXPLICIT_DENY else ()
                return Decision(verdict.effect, matched, missing)
        return Decision(ALLOW)

    def _scope_sets(self) -> list[PolicySet]:
        """One PolicySet per scope-down layer, as the identity policy of its own set (kept in
        the node's cache by the layer's text, as the caller's own set)."""
        found = self._layer_sets
        if found is None:
            found = self._layer_sets = [self._scope_set(layer) for layer in self._gathered().scope]
        return found

    def _scope_set(self, layer: SourcePolicy) -> PolicySet:
        key = ("scope", layer)
        cached = self.policy_sets.get(key) if self.policy_sets is not None else None
        if cached is None:
            compiled = compile_policies(self.compiler, PrincipalPolicies(identity=(layer,)))
            cached = PolicySet(identity=compiled.identity)
            if self.policy_sets is not None:
                self.policy_sets.put(key, cached)
        return cached

    def context_for(
        self, action: str, resource: str, explicit: ContextValues | None = None
    ) -> ContextDict:
        """Every key the request supplies: surroundings, principal, resource tags, parameters,
        then the operation's own keys (which win)."""
        where = Surroundings(
            now=self.now,
            source_ip=self.source_ip,
            secure_transport=self.secure_transport,
            region=self.region,
        )
        return merged(
            base_context(self.caller, where),
            principal_context(self.caller, self._gathered().principal_tags),
            resource_tag_context(self._resource_tags(resource)),
            parameter_context(self.params),
            pass_role_context(action, self.params),
            explicit,
        )

    def encode_denial(
        self,
        action: str,
        resource: str,
        decision: Decision,
        context: ContextValues | None,
        resource_policy: ResourcePolicy | None,
    ) -> str | None:
        """The sealed decision document DecodeAuthorizationMessage returns."""
        if self.messages is None:
            return None
        policy_set = self._policy_set(resource_policy)
        by_id = {
            p.policy_id: p
            for p in (
                *policy_set.identity,
                *((policy_set.resource,) if policy_set.resource else ()),
                *((policy_set.boundary,) if policy_set.boundary else ()),
                *(policy_set.session or ()),
                *(layer for found in self._layer_sets or () for layer in found.identity),
            )
        }
        document = decision_document(
            self.caller,
            action,
            resource,
            decision,
            self.context_for(action, resource, context),
            by_id,
        )
        return self.messages.encode(self.caller.account_id, document)

    def principal_tags(self) -> tuple[Tag, ...]:
        """The caller's tags as its policies see them (session tags over the role's or user's)."""
        return self._gathered().principal_tags

    def _gathered(self) -> PrincipalPolicies:
        """The caller's policies as stored (read once per request: changes apply at once)."""
        if self._found is None:
            self._found = gather(self.tx, self.caller) if self.tx is not None else None
            if self._found is None:
                self._found = PrincipalPolicies()
        return self._found

    def _policy_set(self, resource_policy: ResourcePolicy | None) -> PolicySet:
        """The compiled PolicySet for the caller's policies (+ ``resource_policy``): from this
        request, else from the node's cache keyed by the policy texts, else compiled now."""
        found = self._policy_sets.get(resource_policy)
        if found is not None:
            return found
        sources = self._gathered()
        key = (sources.identity, sources.boundary, sources.session, resource_policy)
        cached = self.policy_sets.get(key) if self.policy_sets is not None else None
        if cached is None:
            compiled = compile_policies(self.compiler, sources)
            resource: CompiledPolicy | None = None
            if resource_policy is not None:
                policy_id, document, principal_ids = resource_policy
                resource = self.compiler.compile(
                    document, policy_id=policy_id, principal_ids=principal_ids
                )
            cached = PolicySet(
                identity=compiled.identity,
                resource=resource,
                boundary=compiled.boundary,
                session=compiled.session,
            )
            if self.policy_sets is not None:
                self.policy_sets.put(key, cached)
        self._policy_sets[resource_policy] = cached
        return cached

    def know_resource_tags(self, resource: str, tags: tuple[Tag, ...]) -> None:
        """Tags of ``resource`` the caller already holds (saves reading the entity again)."""
        self._resource_tags_known[resource] = tags

    def _resource_tags(self, resource: str) -> tuple[Tag, ...]:
        """Tags of the role, user, instance profile, managed policy or MFA device ``resource`` names
        (aws:ResourceTag/*); none for anything else or an entity that does not exist."""
        known = self._resource_tags_known.get(resource)
        if known is not None:
            return known
        if self.tx is None or not resource.startswith("arn:") or resource.count(":") < 5:
            return ()
        _, _, service, _, account, rest = resource.split(":", 5)
        if service != "iam" or "/" not in rest:
            return ()
        kind, name = rest.split("/", 1)[0], rest.rsplit("/", 1)[-1]
        entity: Any = None
        if kind == "role":
            entity = self.tx.roles.get(account, name)
        elif kind == "user":
            entity = self.tx.users.get(account, name)
        elif kind == "instance-profile":
            entity = self.tx.instance_profiles.get(account, name)
        elif kind == "policy":
            entity = self.tx.managed_policies.get_by_arn(resource)
        elif kind == "mfa":  # a virtual MFA device's ARN is its serial number
            device = self.tx.mfa_devices.get(resource)
            return tuple(device.tags) if device is not None else ()
        if entity is None or entity.arn != resource:
            return ()
        return tuple(entity.tags)


def evaluate_trust(
    ctx: OperationContext,
    role: Role,
    action: str,
    context: ContextValues,
    principal_override: Caller | None = None,
) -> None:
    """AssumeRole*'s trust check
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html, *Trust
    policy*;
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).

    The role's trust policy is the resource policy and must allow in all cases. A trust policy
    that names the caller (its ARN, or the role of a calling session) suffices in the role's own
    account; one that names only the account, and every cross-account call, also needs the
    caller's identity policies (bounded by boundary and session policies) to allow ``action`` on
    the role. ``context`` holds the call's keys (sts:ExternalId, sts:RoleSessionName,
    aws:RequestTag/*, …). Also used for ``sts:TagSession`` and ``sts:SetSourceIdentity``.
    """
    base = ctx.authorizer if isinstance(ctx.authorizer, RequestAuthorizer) else None
    authorizer: RequestAuthorizer
    if base is not None and principal_override is None:
        authorizer = base
    else:
        authorizer = RequestAuthorizer(
            caller=principal_override or ctx.caller,
            now=ctx.now,
            tx=ctx.tx,
            compiler=base.compiler if base is not None else PolicyCompiler(),
            source_ip=base.source_ip if base is not None else None,
            secure_transport=base.secure_transport if base is not None else False,
            region=ctx.region,
        )
    caller = authorizer.caller
    if _is_root(caller) and not caller.implicit and principal_override is None:
        raise AccessDenied(ROOT_CANNOT_ASSUME)
    authorizer.know_resource_tags(role.arn, role.tags)
    trust_policy = ResourcePolicy(
        role.arn, role.assume_role_policy_document, role.trust_principal_ids
    )
    decision = authorizer.decide(
        action,
        role.arn,
        resource_account=role.account_id,
        context=context,
        resource_policy=trust_policy,
    )
    allowed = decision.allowed
    if allowed and caller.implicit:
        # The root user's full access would skip the trust policy; permissive mode's implicit
        # caller is let in only by a trust policy that allows it.
        allowed = any(m.policy_type == "resource" and m.effect == "Allow" for m in decision.matched)
    if not allowed:  # AWS gives AssumeRole* denials no reason clause
        raise PolicyDenied(
            denial_message(caller, action, role.arn, ""),
            authorizer.encode_denial(action, role.arn, decision, context, trust_policy),
        )


def _is_root(caller: Caller) -> bool:
    return caller.principal_type == "root"


def _check_session_scope(caller: Caller, action: str) -> None:
    """What temporary credentials may call at all
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html, table
    "Comparing the AWS STS API operations"): GetSessionToken credentials call IAM only with MFA
    and STS only for AssumeRole / GetCallerIdentity / GetScopedCredentials; federated users call
    no IAM operation and no STS operation but GetCallerIdentity and GetScopedCredentials (the
    API reference of GetSessionToken and GetFederationToken). IAM answers GetSessionToken
    credentials without MFA with InvalidClientTokenId (widely reported, e.g.
    99designs/aws-vault#1056); federated users are answered the same way (unverified). STS
    operations outside those lists are denied with the usual denial message (unverified: AWS's
    wording); GetSessionToken, GetFederationToken and AssumeRole answer their own messages before
    asking here."""
    session = caller.session
    if session is None:
        return
    service = action.split(":", 1)[0].lower()
    if session.kind == SessionKind.SESSION_TOKEN:
        if service == "iam" and not session.mfa_authenticated:
            raise InvalidClientTokenId(IAM_INVALID_TOKEN)
        allowed_sts = _STS_FOR_SESSION_TOKENS
    elif session.kind == SessionKind.FEDERATED_USER:
        if service == "iam":
            raise InvalidClientTokenId(IAM_INVALID_TOKEN)
        allowed_sts = _STS_FOR_FEDERATED_USERS
    else:
        return
    if service == "sts" and action.lower() not in allowed_sts:
        raise PolicyDenied(denial_message(caller, action, "*", ""))


_STS_FOR_SESSION_TOKENS = frozenset(
    {"sts:assumerole", "sts:getcalleridentity", "sts:getscopedcredentials"}
)
_STS_FOR_FEDERATED_USERS = frozenset({"sts:getcalleridentity", "sts:getscopedcredentials"})
