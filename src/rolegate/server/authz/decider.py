"""The authorization service's decision: who signed the described request, and may it perform the
action on the resource.

The same code as every IAM and STS call, not a copy: ``auth.sigv4.parse_sigv4`` reads the claim,
``server.authn.Authenticator.caller_for`` verifies it (time, the credential scope naming the
question's ``service``, the access key or the sealed session token, the user or role behind a
session still alive), and ``services.authz.RequestAuthorizer.judge`` decides with the caller's
identity, boundary and session policies, the resource policy, and the request context (global
keys, principal and session tags, MFA, source identity). Each decision records the role's or the
access key's last use and is logged as an audit line (``rolegate.authz.audit``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from rolegate.auth.sigv4 import SigV4Claim, parse_sigv4
from rolegate.domain.caller import Caller
from rolegate.domain.errors import (
    AccessDenied,
    AwsError,
    MalformedPolicyDocument,
    MissingAuthenticationToken,
)
from rolegate.domain.ids import Rng, request_id
from rolegate.policy.compile import PolicyCompiler
from rolegate.policy.decision import ALLOW, IMPLICIT_DENY
from rolegate.server.audit_trail import AuditTrail
from rolegate.server.authn import Authenticator
from rolegate.server.authz.contract import BadQuestion, Question
from rolegate.server.inline import WritesInFlight
from rolegate.server.metrics import Metrics
from rolegate.services.authz import (
    PolicySetCache,
    RequestAuthorizer,
    ServiceUseRecorder,
    record_role_use,
)
from rolegate.services.context import ResourcePolicy
from rolegate.store import NeedsDatabase, Store

audit = logging.getLogger("rolegate.authz.audit")

MISSING_TOKEN = "Request is missing Authentication Token"
# aws:PrincipalType's values (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype)
_PRINCIPAL_TYPES = {
    "root": "Account",
    "user": "User",
    "role_session": "AssumedRole",
    "federated_user": "FederatedUser",
}


METRICS_SOURCE = "authz_service"  # rolegate_authorization_decisions{source=...}


@dataclass(frozen=True, slots=True)
class Answer:
    """The JSON answer and what the proxies' endpoints need of it."""

    body: dict[str, Any]
    authenticated: bool
    allowed: bool
    principal: dict[str, Any] | None

    def json(self) -> bytes:
        """Compact UTF-8 JSON: orjson (0.3 µs against the standard library's 6 for a typical
        answer), the standard library for what orjson refuses (an integer beyond 64 bits)."""
        try:
            return orjson.dumps(self.body)
        except TypeError:
            return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(slots=True)
class Decider:
    store: Store
    authenticator: Authenticator
    compiler: PolicyCompiler
    policy_sets: PolicySetCache
    clock: Callable[[], datetime]
    rng: Rng
    explain: bool = True  # list the matched statements in every answer
    # Service last accessed data of the decisions that allow (services.authz.last_used).
    service_uses: ServiceUseRecorder = field(default_factory=ServiceUseRecorder)
    # The node's metrics: each answer counted by its effect (server.metrics); None: not counted.
    metrics: Metrics | None = None
    # Each decision's CloudTrail event (server.audit_trail); None: not recorded.
    audit: AuditTrail | None = None
    # The node's open write transactions (the pipeline's): none is kept waiting by the loop.
    writes: WritesInFlight = field(default_factory=WritesInFlight)
    inline_reads: bool = False  # serve sets it: on unless --no-inline-reads (server.inline)

    @property
    def answers_inline(self) -> bool:
        """Whether ``decide(..., cache_only=True)`` may be tried on the event loop
        (``server.inline``)."""
        return self.inline_reads and not self.authenticator.permissive

    def decide(
        self, question: Question, *, cache_only: bool = False, serial: int | None = None
    ) -> Answer:
        """The answer to ``question``; raises :class:`BadQuestion` for a resource policy that
        does not parse, ``StoreUnavailable`` when the database does not answer, and with
        ``cache_only`` ``NeedsDatabase`` instead of answering when it would need the database
        (``serial``: the change serial the loop read for it, ``Store.serial_on_loop``)."""
        started = time.perf_counter()
        rid = request_id()
        now = self.clock()
        resource_policy = self._resource_policy(question)
        claim = None
        try:
            claim = parse_sigv4(question.request)
            if claim is None:
                raise MissingAuthenticationToken(MISSING_TOKEN)
            write = self.authenticator.permissive
            if cache_only and self.writes.count:
                raise NeedsDatabase
            with self.store.transaction(write=write, cache_only=cache_only, serial=serial) as tx:
                caller = self.authenticator.caller_for(
                    tx, claim, question.request, now, question.service
                )
                resource = question.resource
                if question.resource_template is not None:
                    resource = question.resource_template(claim.region, caller.account_id)
                authorizer = RequestAuthorizer(
                    caller=caller,
                    now=now,
                    tx=tx,
                    compiler=self.compiler,
                    source_ip=question.source_ip,
                    secure_transport=question.secure_transport,
                    region=claim.region,
                    policy_sets=self.policy_sets,
                )
                effect: str
                message: str | None
                try:
                    verdict = authorizer.judge(
                        question.action,
                        resource,
                        resource_account=question.resource_account or _account_of(resource),
                        context=question.context,
                        resource_policy=resource_policy,
                    )
                except AccessDenied as denied:  # what temporary credentials may not call
                    effect, message, matched = IMPLICIT_DENY, denied.message, []
                else:
                    effect, message = verdict.effect, verdict.message
                    decision = verdict.decision
                    matched = (
                        [m.to_json() for m in decision.matched]
                        if self.explain and decision is not None
                        else []
                    )
                principal = _principal(caller, authorizer)
                if caller.role is not None and caller.principal_type == "role_session":
                    record_role_use(tx, caller.role, now, claim.region)
                if effect == ALLOW:
                    self.service_uses.record(tx, caller, question.action, claim.region, now)
        except AwsError as error:  # authentication failed: AWS's code and message
            audit.info(
                "%s - %s %s unauthenticated %s",
                rid,
                question.action,
                question.resource or "-",
                error.code,
            )
            if self.metrics is not None:
                self.metrics.decision(METRICS_SOURCE, "Unauthenticated")
            self._audit(question, rid, now, None, claim, None, error, None)
            return Answer(
                {
                    "authenticated": False,
                    "decision": IMPLICIT_DENY,
                    "error": {"code": error.code, "message": error.message},
                    "principal": None,
                    "matched": [],
                    "message": None,
                    "request_id": rid,
                },
                authenticated=False,
                allowed=False,
                principal=None,
            )
        audit.info(
            "%s %s %s %s %s %.2fms",
            rid,
            caller.arn,
            question.action,
            resource,
            effect,
            (time.perf_counter() - started) * 1000,
        )
        if self.metrics is not None:
            self.metrics.decision(METRICS_SOURCE, effect)
        self._audit(question, rid, now, caller, claim, effect, None, message, resource)
        return Answer(
            {
                "authenticated": True,
                "error": None,
                "decision": effect,
                "principal": principal,
                "matched": matched,
                "message": message,
                "request_id": rid,
            },
            authenticated=True,
            allowed=effect == "Allow",
            principal=principal,
        )

    def _audit(
        self,
        question: Question,
        rid: str,
        now: datetime,
        caller: Caller | None,
        claim: SigV4Claim | None,
        effect: str | None,
        error: AwsError | None,
        message: str | None,
        resource: str | None = None,
    ) -> None:
        if self.audit is not None:
            self.audit.decision(
                request=question.request,
                rid=rid,
                time=now,
                action=question.action,
                resource=resource or question.resource,
                region=claim.region if claim is not None else None,
                source_ip=question.source_ip,
                caller=caller,
                claim=claim,
                effect=effect,
                error=error,
                message=message,
            )

    def _resource_policy(self, question: Question) -> ResourcePolicy | None:
        """The question's resource policy, checked now (compiled once per text, by hash)."""
        if question.resource_policy is None:
            return None
        try:
            self.compiler.compile(question.resource_policy, policy_id=question.resource)
        except MalformedPolicyDocument as error:
            raise BadQuestion(
                f"resource_policy is not a valid policy: {error.message}",
                "MalformedPolicyDocument",
            ) from None
        return ResourcePolicy(question.resource, question.resource_policy)


def _account_of(resource: str) -> str | None:
    """The account field of an ARN (``arn:partition:service:region:account:…``); None when it
    is empty (the caller's account is assumed, as for IAM calls)."""
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else None


def _principal(caller: Caller, authorizer: RequestAuthorizer) -> dict[str, Any]:
    session = caller.session
    tags = authorizer.principal_tags() if caller.principal_type != "root" else ()
    return {
        "arn": caller.arn,
        "account": caller.account_id,
        "user_id": caller.user_id,
        "type": _PRINCIPAL_TYPES.get(caller.principal_type, caller.principal_type),
        "session_name": session.session_name if session is not None else None,
        "source_identity": session.source_identity if session is not None else None,
        "tags": {tag.key: tag.value for tag in tags},
    }
