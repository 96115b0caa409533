"""The audit trail of one node: every IAM and STS call and every decision of the authorization
service becomes a CloudTrail record (``rolegate.audit``), stored and streamed (docs/audit.md).

Where each event is written:

* a call that commits a write transaction: its event is inserted in that transaction
  (``in_transaction``, called by the pipeline just before the commit), so an acknowledged write
  always has its event and a rolled-back one has none; it is streamed after the commit;
* everything else (reads, refusals, the authorization service's decisions): a ``Draft`` of
  plain values to the writer, which builds the events and stores them at least once a second
  and at shutdown: a child process (``server.audit_process``, the default) or a thread of this
  process (``ThreadWriter`` over ``audit.outbox``).

The pipeline fills an :class:`AuditNote` as the request goes (time, claim, caller, parameters,
result) and calls ``finish`` with its outcome; this module turns the note into a draft, and a
draft into events (``complete``, on the writer).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from rolegate.audit import (
    CREDENTIAL_ISSUERS,
    ApiCall,
    JsonLines,
    Outbox,
    build_event,
    caller_identity,
    federated_identity,
    unknown_identity,
)
from rolegate.auth.session_token import SessionTokenCodec
from rolegate.auth.sigv4 import HttpRequest, SigV4Claim
from rolegate.domain.audit_event import AuditEvent
from rolegate.domain.caller import Caller
from rolegate.domain.errors import AwsError
from rolegate.domain.ids import event_id
from rolegate.store import Store, Tx

log = logging.getLogger("rolegate.audit")

# Operations whose role ARN names a second account: the event goes to both (sharedEventID).
_ROLE_ASSUMERS = frozenset(
    {"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "AssumeRoleForWorkload"}
)
_UNSIGNED = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
_READ_PREFIXES = ("Get", "List", "Simulate", "Describe", "Lookup")  # Lookup: CloudTrail's
_MAX_NAME = 128


@dataclass(slots=True)
class AuditNote:
    """What the pipeline learnt of one request, as it learnt it."""

    request: HttpRequest
    request_id: str
    source_ip: str | None
    time: datetime | None = None
    claim: SigV4Claim | None = None
    service: str | None = None
    operation: str | None = None
    caller: Caller | None = None
    region: str | None = None
    params: Mapping[str, Any] | None = None
    result: Mapping[str, Any] | None = None
    stored: list[AuditEvent] = field(default_factory=list)  # inserted in the transaction


class Draft(NamedTuple):
    """One call's event as its request leaves it: plain values only, so a batch of drafts
    pickles in a few microseconds for a writer in its own process (``server.audit_process``).
    The writer completes it (``AuditTrail.complete``): the account of a key that did not
    authenticate, the event ids, the record."""

    service: str
    operation: str
    time: datetime
    region: str
    request_id: str
    identity: dict[str, Any] | None  # None: the signer was not known; see access_key_id
    account_id: str
    read_only: bool
    source_ip: str | None
    user_agent: str | None
    request: Mapping[str, Any] | None
    response: Mapping[str, Any] | None
    error_code: str | None
    error_message: str | None
    access_key_id: str | None = None  # the key an unknown signer claimed
    security_token: str | None = None  # ... and its session token
    role_account: str | None = None  # a second recipient: the account of the role assumed
    additional: Mapping[str, Any] | None = None
    extra_resources: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class ThreadWriter:
    """Drafts completed, stored and streamed by the outbox's thread, in this process."""

    outbox: Outbox
    complete: Callable[[Draft], Sequence[AuditEvent]]

    @property
    def backlog(self) -> int:
        return self.outbox.backlog

    def start(self) -> None:
        self.outbox.start()

    def close(self) -> None:
        self.outbox.close()

    def draft(self, draft: Draft) -> None:
        self.outbox.defer(functools.partial(self.complete, draft))

    def stored(self, event: AuditEvent) -> None:
        self.outbox.stored(event)


class Writer(Protocol):
    """Where drafts and committed events go: an ``Outbox`` thread in this process, or the
    writer process (``server.audit_process``)."""

    @property
    def backlog(self) -> int: ...

    def start(self) -> None: ...

    def close(self) -> None: ...

    def draft(self, draft: Draft) -> None: ...

    def stored(self, event: AuditEvent) -> None: ...


@dataclass(slots=True)
class AuditTrail:
    store: Store
    writer: Writer
    clock: Callable[[], datetime]
    default_region: str
    retention_days: int = 90
    session_tokens: SessionTokenCodec | None = None

    @classmethod
    def open(
        cls,
        store: Store,
        *,
        clock: Callable[[], datetime],
        region: str,
        retention_days: int,
        stream_to: str | None,
        session_tokens: SessionTokenCodec | None = None,
        interval: float = 1.0,
    ) -> AuditTrail:
        """A trail whose events are built and stored by a thread of this process."""
        holder: list[AuditTrail] = []
        outbox = Outbox(
            lambda events: _store_events(store, events),
            JsonLines(stream_to) if stream_to else None,
            interval=interval,
            maintenance=lambda: holder[0].prune(),
        )
        writer = ThreadWriter(outbox, lambda draft: holder[0].complete(draft))
        trail = cls(store, writer, clock, region, retention_days, session_tokens)
        holder.append(trail)
        return trail

    @property
    def outbox(self) -> Outbox:
        """The thread writer's outbox (tests and in-process servers flush it)."""
        writer = self.writer
        assert isinstance(writer, ThreadWriter), "the trail's writer is another process"
        return writer.outbox

    def start(self) -> None:
        self.writer.start()

    def close(self) -> None:
        self.writer.close()

    # --- IAM and STS calls -----------------------------------------------------------------------
    def in_transaction(self, tx: Tx, note: AuditNote) -> None:
        """The events of a successful write, inserted in its transaction before it commits."""
        events = self.complete(self._draft(note, None))
        tx.audit_events.insert(events)
        note.stored = events

    def finish(self, note: AuditNote, error: AwsError | None) -> None:
        """After the answer: stream what the transaction stored, or queue the events (a read,
        or a refusal: a refused write's transaction, and any event in it, was rolled back).

        The one call that records a request, from any thread or the event loop: it never
        blocks (no I/O, no lock but the deque's append); the record is built by the writer."""
        try:
            if note.stored and error is None:
                for event in note.stored:
                    self.writer.stored(event)
                return
            self.writer.draft(self._draft(note, error))
        except Exception:  # the audit trail never changes an answer
            log.exception("audit: request %s not recorded", note.request_id)

    def _draft(self, note: AuditNote, error: AwsError | None) -> Draft:
        operation = (note.operation or _form_action(note) or "Unknown")[:_MAX_NAME]
        claim, caller = note.claim, note.caller
        service = note.service or (claim.service if claim else "iam")
        read_only = _read_only(service, operation)
        result = note.result
        if read_only and operation not in CREDENTIAL_ISSUERS:
            result = None  # CloudTrail does not record a read's answer
        identity: dict[str, Any] | None = None
        account = ""
        if caller is not None and caller.principal_type != "anonymous":
            identity = caller_identity(caller, claim.access_key_id if claim else None)
            account = caller.account_id
        elif operation in _UNSIGNED and claim is None:
            identity = federated_identity(operation, note.result)
        elif claim is None:
            identity = unknown_identity(None)
        return Draft(
            service=service,
            operation=operation,
            time=note.time or self.clock(),
            region=note.region or (claim.region if claim else self.default_region),
            request_id=note.request_id,
            identity=identity,
            account_id=account,
            read_only=read_only,
            source_ip=note.source_ip,
            user_agent=_user_agent(note.request),
            request=note.params,
            response=result if error is None else None,
            error_code=error.code if error is not None else None,
            error_message=error.message if error is not None else None,
            access_key_id=claim.access_key_id if identity is None and claim else None,
            security_token=claim.security_token if identity is None and claim else None,
            role_account=_role_account(note, operation),
        )

    def complete(self, draft: Draft) -> list[AuditEvent]:
        """A draft's events: one, or two when the role assumed is another account's (each
        account's trail gets the call, with a ``sharedEventID``)."""
        identity, account = draft.identity, draft.account_id
        if identity is None:  # refused before its signer was known: the key's account
            key_account = self._key_account(draft.access_key_id, draft.security_token, draft.time)
            identity = unknown_identity(draft.access_key_id, key_account)
            account = key_account or ""
        accounts = [account]
        if draft.role_account and draft.role_account != account:
            accounts = [account, draft.role_account] if account else [draft.role_account]
        shared = event_id() if len(accounts) > 1 else None
        return [
            build_event(
                ApiCall(
                    service=draft.service,
                    operation=draft.operation,
                    time=draft.time,
                    region=draft.region,
                    request_id=draft.request_id,
                    event_id=event_id(),
                    identity=identity,
                    account_id=recipient,
                    read_only=draft.read_only,
                    source_ip=draft.source_ip,
                    user_agent=draft.user_agent,
                    request=draft.request,
                    response=draft.response,
                    error_code=draft.error_code,
                    error_message=draft.error_message,
                    shared_event_id=shared,
                    additional=draft.additional,
                    extra_resources=draft.extra_resources,
                )
            )
            for recipient in accounts
        ]

    def _key_account(
        self, access_key_id: str | None, security_token: str | None, now: datetime
    ) -> str | None:
        """The account of the key a refused request claimed, when it exists."""
        if not access_key_id:
            return None
        try:
            if security_token and self.session_tokens is not None:
                token = self.session_tokens.open(access_key_id, security_token, now)
                return token.account_id
            with self.store.transaction(write=False) as tx:
                key = tx.access_keys.get(access_key_id)
            return key.account_id if key is not None else None
        except Exception:  # not ours, expired, or the database is away: an unknown caller
            return None

    # --- the authorization service ---------------------------------------------------------------
    def decision(
        self,
        *,
        request: HttpRequest,
        rid: str,
        time: datetime,
        action: str,
        resource: str,
        region: str | None,
        source_ip: str | None,
        caller: Caller | None,
        claim: SigV4Claim | None,
        effect: str | None,
        error: AwsError | None,
        message: str | None = None,
    ) -> None:
        """One decision of the authorization service (or its refusal to authenticate)."""
        try:
            service, _, name = action.partition(":")
            identity: dict[str, Any] | None = None
            account = ""
            if caller is not None:
                identity = caller_identity(caller, claim.access_key_id if claim else None)
                account = caller.account_id
            elif claim is None:
                identity = unknown_identity(None)
            code, text = (error.code, error.message) if error is not None else (None, None)
            if error is None and effect != "Allow":
                code, text = "AccessDenied", message or ""
            self.writer.draft(
                Draft(
                    service=service or "unknown",
                    operation=(name or action)[:_MAX_NAME],
                    time=time,
                    region=region or self.default_region,
                    request_id=rid,
                    identity=identity,
                    account_id=account,
                    read_only=name.startswith(_READ_PREFIXES),
                    source_ip=source_ip,
                    user_agent=_user_agent(request),
                    request=None,
                    response=None,
                    error_code=code,
                    error_message=text,
                    access_key_id=claim.access_key_id if identity is None and claim else None,
                    security_token=claim.security_token if identity is None and claim else None,
                    additional={"authorizationService": True, "decision": effect or "Unknown"},
                    extra_resources=(("ARN", resource),) if resource else (),
                )
            )
        except Exception:  # the audit trail never changes an answer
            log.exception("audit: decision %s not recorded", rid)

    # --- retention -------------------------------------------------------------------------------
    def prune(self) -> int:
        """Delete the events older than the retention, a batch per transaction."""
        before = self.clock() - timedelta(days=self.retention_days)
        total = 0
        while True:
            with self.store.transaction(counts_as_change=False) as tx:
                deleted = tx.audit_events.prune(before)
            total += deleted
            if deleted == 0:
                break
        if total:
            log.info("audit: pruned %d events older than %s", total, before.isoformat())
        return total


def _store_events(store: Store, events: Sequence[AuditEvent]) -> None:
    with store.transaction(counts_as_change=False) as tx:  # no read cache holds events
        tx.audit_events.insert(events)


def _read_only(service: str | None, operation: str) -> bool:
    """CloudTrail's readOnly: every STS call (AssumeRole included), IAM's Get/List/Simulate,
    CloudTrail's LookupEvents."""
    return service == "sts" or operation.startswith(_READ_PREFIXES)


def _form_action(note: AuditNote) -> str | None:
    """The Action a request named, for requests refused before routing (bounded, no decode)."""
    for source in (note.request.query_string, note.request.body.decode("latin-1")[:4096]):
        for pair in source.split("&"):
            if pair.startswith("Action="):
                value = pair[len("Action=") :]
                return value if value.isalnum() else None
    return None


def _role_account(note: AuditNote, operation: str) -> str | None:
    """The account of the role an AssumeRole* names (its ARN's fifth field)."""
    if operation not in _ROLE_ASSUMERS or note.params is None:
        return None
    parts = str(note.params.get("RoleArn", "")).split(":")
    return parts[4] if len(parts) >= 6 and parts[4].isdigit() else None


def _user_agent(request: HttpRequest) -> str | None:
    for name, value in request.headers:
        if name.lower() == "user-agent":
            return value
    return None
