"""One request, from raw HTTP to AWS XML: claim -> decode -> route -> authenticate -> validate ->
operate.

What runs before the caller is known is cheap or bounded: the signature's shape is parsed from
the headers and query string first (a request with no claim at all may only be one of the
``UNSIGNED_OPERATIONS``), and the form is decoded within ``wire.form``'s bounds (size, parameter
count, one content coding).

Everything here is synchronous and runs on a worker thread, or, with ``cache_only=True``, on the
event loop until it would need the database (``server.inline``); the ASGI layer only moves bytes.
Errors become HTTP here and nowhere else: an ``AwsError`` is answered with its own code and
status; anything else is logged with its traceback and answered as a 500 ``InternalFailure``
(the transaction it interrupted is rolled back, so the database is unchanged).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rolegate.auth.sigv4 import HttpRequest, SigV4Claim, parse_sigv4
from rolegate.domain.caller import Caller
from rolegate.domain.errors import (
    AwsError,
    InternalFailure,
    MissingAuthenticationToken,
    OperationNotImplemented,
    ServiceFailure,
)
from rolegate.domain.ids import Rng, request_id
from rolegate.policy.compile import PolicyCompiler
from rolegate.server.audit_trail import AuditNote, AuditTrail
from rolegate.server.authn import Authenticator
from rolegate.server.inline import InlineAttempts, WritesInFlight
from rolegate.server.log_format import current_request_id, request_fields
from rolegate.server.metrics import Metrics
from rolegate.services.authz import (
    AuthorizationMessages,
    PolicySetCache,
    RequestAuthorizer,
    ServiceUseRecorder,
)
from rolegate.services.context import Handler, OperationContext
from rolegate.store import NeedsDatabase, Store, StoreUnavailable, Tx
from rolegate.wire import WireService, decode_form, load_service, route_action
from rolegate.wire.form import MAX_REQUEST_BYTES, MAX_UNSIGNED_REQUEST_BYTES

log = logging.getLogger("rolegate.request")

# STS calls whose credentials are the token or assertion they carry
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html).
UNSIGNED_OPERATIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
# Who calls an unsigned operation: nobody yet; the operation finds its principal in the token.
UNSIGNED_CALLER = Caller(account_id="", principal_type="anonymous", arn="", user_id="")
# Operations that only read take a read transaction (on SQLite they then never wait for a writer).
READ_ONLY_PREFIXES = ("Get", "List")
# Operations whose only writes are best effort (AssumeRole's RoleLastUsed) read too, unless they
# carry an MFA code: its time step, once accepted, must be recorded as spent, and a wrong code
# counted, under the device's row lock (services.iam.mfa.attempts). As a read, AssumeRole stays out
# of SQLite's group commit (store.group_commit): as a member it would wait for the group's fsync
# and hold the writers' turn while its trust policy is evaluated (docs/benchmarks.md, bench/api.py).
READ_MOSTLY_OPERATIONS = frozenset({"AssumeRole", "AssumeRoleForWorkload"})
# Operations that are not named Get*/List* and write nothing at all.
READ_ONLY_OPERATIONS = frozenset({"SimulatePrincipalPolicy", "SimulateCustomPolicy"})
# Operations that may wait on the network (an OIDC issuer's keys when its cache entry is cold)
# always read: a write transaction would hold the node's writers while the issuer answers.
NETWORK_READ_OPERATIONS = frozenset({"AssumeRoleWithWebIdentity"})
MFA_CODE_PARAMETER = "SerialNumber"
# The same operations as they appear in a form body or query string, before any parsing.
_NETWORK_ACTION_FIELDS = tuple(f"Action={name}" for name in sorted(NETWORK_READ_OPERATIONS))
_NETWORK_ACTION_BYTES = tuple(field.encode() for field in _NETWORK_ACTION_FIELDS)
SERVICE_FAILURE_MESSAGE = (
    "The request processing has failed because of an unknown error, exception or failure."
)


def may_wait_on_network(body: bytes, query_string: str) -> bool:
    """Whether the raw request names one of the ``NETWORK_READ_OPERATIONS``: the server runs
    those on threads of their own, so an issuer that is slow to answer never holds the threads
    every other request needs. A match by accident (the text inside some other value) only
    picks the other threads; a request that spells its Action unusually (percent-encoded
    letters) still works, on the common threads."""
    return any(field in body for field in _NETWORK_ACTION_BYTES) or any(
        field in query_string for field in _NETWORK_ACTION_FIELDS
    )


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    request_id: str
    content_type: str = "text/xml"
    # ``handle(..., decoded=True)``: a success's result as the operation built it (``body`` is
    # then empty), for a caller in this process that would only parse the XML back; a listing's
    # items may be ``wire.Memoized`` (ListRoles), whose ``build()`` gives the value
    result: Mapping[str, Any] | None = None


@dataclass(slots=True)
class Pipeline:
    store: Store
    authenticator: Authenticator
    operations: Mapping[tuple[str, str], Handler]
    clock: Callable[[], datetime]
    rng: Rng
    region: str
    # Compiled policies are cached here by content hash, shared by every request of this node.
    compiler: PolicyCompiler = field(default_factory=PolicyCompiler)
    # Seals the decision of each policy denial (services.authz.messages); None: not recorded.
    authorization_messages: AuthorizationMessages | None = None
    # Compiled PolicySets by policy texts, shared by this node's requests (services.authz).
    policy_sets: PolicySetCache = field(default_factory=PolicySetCache)
    # Service last accessed data of this node's allowed requests (services.authz.last_used).
    service_uses: ServiceUseRecorder = field(default_factory=ServiceUseRecorder)
    # Every call's CloudTrail event (server.audit_trail); None: not recorded.
    audit: AuditTrail | None = None
    # The node's Prometheus metrics (server.metrics); None: not counted.
    metrics: Metrics | None = None
    # The operations worth trying on the event loop (server.inline).
    inline: InlineAttempts = field(default_factory=InlineAttempts)
    # This node's open write transactions: none may wait for the GIL on an inline answer.
    writes: WritesInFlight = field(default_factory=WritesInFlight)
    inline_reads: bool = False  # serve sets it: on unless --no-inline-reads (server.inline)

    @property
    def answers_inline(self) -> bool:
        """Whether ``handle(..., cache_only=True)`` may be tried on the event loop: asked for,
        and permissive mode (which may create accounts) is off."""
        return self.inline_reads and not self.authenticator.permissive

    def handle(
        self,
        request: HttpRequest,
        content_type: str | None,
        content_encoding: str | None,
        *,
        source_ip: str | None = None,
        secure_transport: bool = False,
        cache_only: bool = False,
        decoded: bool = False,
        serial: int | None = None,
    ) -> Response:
        """The answer to ``request``. With ``cache_only``, raises ``NeedsDatabase`` instead of
        answering when the request needs the database (``server.inline``); ``serial`` is then
        the change serial the loop read for it (``Store.serial_on_loop``). With ``decoded``, a
        success is answered as its result, not written as XML (errors still are): the request
        is authenticated, authorized and recorded all the same."""
        started = time.perf_counter()
        rid = request_id()
        current_request_id.set(rid)  # on every log line of this request (server.log_format)
        service: WireService = load_service("iam")
        operation = "-"
        note = AuditNote(request, rid, source_ip)
        refused: AwsError | None = None
        try:
            claim = note.claim = parse_sigv4(request)
            form = decode_form(
                request.body,
                query_string=request.query_string,
                content_type=content_type,
                content_encoding=content_encoding,
                limit=MAX_REQUEST_BYTES if claim is not None else MAX_UNSIGNED_REQUEST_BYTES,
            )
            if claim is None and form.get("Action") not in UNSIGNED_OPERATIONS:
                raise MissingAuthenticationToken("Request is missing Authentication Token")
            service = route_action(
                form.get("Action"), claim.service if claim else None, version=form.get("Version")
            )
            operation = form.get("Action") or "-"
            answer = self._run(
                service,
                form,
                request,
                claim,
                rid,
                source_ip,
                secure_transport,
                note,
                cache_only,
                decoded,
                serial,
            )
            if cache_only:
                self.inline.answered(operation)
            if isinstance(answer, bytes):
                response = Response(200, answer, rid)
            else:
                response = Response(200, b"", rid, result=answer)
        except NeedsDatabase:  # not answered: the caller runs the request again, on a thread
            self.inline.missed(operation)
            raise
        except AwsError as error:
            refused = error
            encoded = getattr(error, "encoded_authorization_message", None)
            if encoded:  # for DecodeAuthorizationMessage; AWS's IAM and STS never send one
                log.info("%s %s denied; encoded authorization message: %s", rid, operation, encoded)
            response = Response(error.status, service.serialize_error(error, rid), rid)
        except StoreUnavailable:
            log.exception("request %s (%s): the database is unavailable", rid, operation)
            failure = refused = ServiceFailure(SERVICE_FAILURE_MESSAGE)
            response = Response(failure.status, service.serialize_error(failure, rid), rid)
        except Exception:
            log.exception("request %s (%s) failed", rid, operation)
            internal = InternalFailure("An internal error occurred while processing the request.")
            refused = internal
            response = Response(500, service.serialize_error(internal, rid), rid)
        if self.audit is not None:
            self.audit.finish(note, refused)
        elapsed = time.perf_counter() - started
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s %s %d %.1fms",
                rid,
                operation,
                response.status,
                elapsed * 1000,
                extra=request_fields(rid, operation, response.status, elapsed * 1000),
            )
        if self.metrics is not None:
            self.metrics.request_done(
                service.name, operation, self.operations, response.status, elapsed
            )
        current_request_id.set(None)
        return response

    def reject(self, error: AwsError) -> Response:
        """Answer ``error`` without reading the request (e.g. an oversized body)."""
        rid = request_id()
        return Response(error.status, load_service("iam").serialize_error(error, rid), rid)

    def operation_context(
        self,
        caller: Caller,
        region: str,
        rid: str,
        now: datetime,
        tx: Tx,
        params: Mapping[str, Any],
        source_ip: str | None,
        secure_transport: bool,
    ) -> OperationContext:
        """What an operation is given: the request's facts, and its authorizer with this node's
        caches (also for CloudTrail's endpoint, ``server.cloudtrail``)."""
        authorizer = RequestAuthorizer(
            caller=caller,
            now=now,
            tx=tx,
            compiler=self.compiler,
            source_ip=source_ip,
            secure_transport=secure_transport,
            region=region,
            params=params,
            messages=self.authorization_messages,
            policy_sets=self.policy_sets,
            on_verdict=self.metrics.api_decision if self.metrics is not None else None,
        )
        return OperationContext(
            caller=caller,
            region=region,
            request_id=rid,
            now=now,
            tx=tx,
            rng=self.rng,
            authorizer=authorizer,
            session_tokens=self.authenticator.session_tokens,
        )

    def _run(
        self,
        service: WireService,
        form: Mapping[str, str],
        request: HttpRequest,
        claim: SigV4Claim | None,
        rid: str,
        source_ip: str | None = None,
        secure_transport: bool = False,
        note: AuditNote | None = None,
        cache_only: bool = False,
        decoded: bool = False,
        serial: int | None = None,
    ) -> bytes | Mapping[str, Any]:
        now = self.clock()
        note = note or AuditNote(request, rid, source_ip)
        note.time, note.service = now, service.name
        action = form.get("Action") or ""
        # Permissive mode may create an account on first use, so it always writes.
        read_only = (
            (
                action.startswith(READ_ONLY_PREFIXES)
                or action in READ_ONLY_OPERATIONS
                or action in READ_MOSTLY_OPERATIONS
                or action in NETWORK_READ_OPERATIONS
            )
            and MFA_CODE_PARAMETER not in form
            and not self.authenticator.permissive
        )
        if cache_only and not (
            read_only and not self.writes.count and self.inline.worth_trying(action)
        ):
            raise NeedsDatabase
        with (
            nullcontext() if read_only else self.writes.writing(),
            self.store.transaction(write=not read_only, cache_only=cache_only, serial=serial) as tx,
        ):
            caller = None
            if claim is not None:
                caller = note.caller = self.authenticator.caller_for(
                    tx, claim, request, now, service.name
                )
            parsed = service.parse_request(form)
            note.operation, note.params = parsed.operation, parsed.params
            handler = self.operations.get((service.name, parsed.operation))
            if caller is None and parsed.operation in UNSIGNED_OPERATIONS:
                caller = UNSIGNED_CALLER
            if handler is None or caller is None:
                raise OperationNotImplemented(
                    f"rolegate does not implement {service.name}:{parsed.operation} yet."
                )
            region = note.region = claim.region if claim is not None else self.region
            note.caller = caller
            ctx = self.operation_context(
                caller, region, rid, now, tx, parsed.params, source_ip, secure_transport
            )
            result = handler(ctx, parsed.params)
            used = f"{service.name}:{parsed.operation}"
            self.service_uses.record(tx, caller, used, region, now)
            note.result = result
            if self.audit is not None and not read_only:  # with the change, in its transaction
                self.audit.in_transaction(tx, note)
        if decoded:
            return result
        return service.serialize_result(parsed.operation, result, rid)
