"""The audit trail of one node: every IAM and STS call and every decision of the authorization
service becomes a CloudTrail record (``rolegate.audit``), stored and streamed (docs/audit.md).

Where each event is written:

* a call that commits a write transaction: its event is inserted in that transaction
  (``in_transaction``, called by the pipeline just before the commit), so an acknowledged write
  always has its event and a rolled-back one has none; it is streamed after the commit;
* everything else (reads, refusals, the authorization service's decisions): the outbox
  (``audit.outbox``), stored by one thread at least once a second and at shutdown.

The pipeline fills an :class:`AuditNote` as the request goes (time, claim, caller, parameters,
result) and calls ``finish`` with its outcome; this module turns the note into events.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
from rolegate.domain.ids import Rng, event_id
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


@dataclass(slots=True)
class AuditTrail:
    store: Store
    outbox: Outbox
    rng: Rng
    clock: Callable[[], datetime]
    default_region: str
    retention_days: int = 90
    session_tokens: SessionTokenCodec | None = None

    @classmethod
    def open(
        cls,
        store: Store,
        *,
        rng: Rng,
        clock: Callable[[], datetime],
        region: str,
        retention_days: int,
        stream_to: str | None,
        session_tokens: SessionTokenCodec | None = None,
        interval: float = 1.0,
    ) -> AuditTrail:
        holder: list[AuditTrail] = []
        outbox = Outbox(
            lambda events: _store_events(store, events),
            JsonLines(stream_to) if stream_to else None,
            interval=interval,
            maintenance=lambda: holder[0].prune(),
        )
        trail = cls(store, outbox, rng, clock, region, retention_days, session_tokens)
        holder.append(trail)
        return trail

    def start(self) -> None:
        self.outbox.start()

    def close(self) -> None:
        self.outbox.close()

    # --- IAM and STS calls -----------------------------------------------------------------------
    def in_transaction(self, tx: Tx, note: AuditNote) -> None:
        """The events of a successful write, inserted in its transaction before it commits."""
        events = self._events(note, None)
        tx.audit_events.insert(events)
        note.stored = events

    def finish(self, note: AuditNote, error: AwsError | None) -> None:
        """After the answer: stream what the transaction stored, or queue the events (a read,
        or a refusal: a refused write's transaction, and any event in it, was rolled back).

        The one call that records a request, from any thread or the event loop: it never
        blocks (no I/O, no lock but the deque's append); the record is built on the writer."""
        try:
            if note.stored and error is None:
                for event in note.stored:
                    self.outbox.stored(event)
                return
            operation = note.operation or ""
            if operation not in CREDENTIAL_ISSUERS and _read_only(note.service, operation):
                note.result = None  # not recorded: not kept alive until the writer runs
            self.outbox.defer(functools.partial(self._events, note, error))
        except Exception:  # the audit trail never changes an answer
            log.exception("audit: request %s not recorded", note.request_id)

    def _events(self, note: AuditNote, error: AwsError | None) -> list[AuditEvent]:
        operation = (note.operation or _form_action(note) or "Unknown")[:_MAX_NAME]
        service = note.service or (note.claim.service if note.claim else "iam")
        identity, account = self._identity(note, operation)
        accounts = [account]
        role_account = _role_account(note, operation)
        if role_account and role_account != account:
            accounts = [account, role_account] if account else [role_account]
        shared = event_id() if len(accounts) > 1 else None
        time = note.time or self.clock()
        return [
            build_event(
                ApiCall(
                    service=service,
                    operation=operation,
                    time=time,
                    region=note.region
                    or (note.claim.region if note.claim else self.default_region),
                    request_id=note.request_id,
                    event_id=event_id(),
                    identity=identity,
                    account_id=recipient,
                    read_only=_read_only(service, operation),
                    source_ip=note.source_ip,
                    user_agent=_user_agent(note.request),
                    request=note.params,
                    response=note.result if error is None else None,
                    error_code=error.code if error is not None else None,
                    error_message=error.message if error is not None else None,
                    shared_event_id=shared,
                )
            )
            for recipient in accounts
        ]

    def _identity(self, note: AuditNote, operation: str) -> tuple[dict[str, Any], str]:
        caller, claim = note.caller, note.claim
        if caller is not None and caller.principal_type != "anonymous":
            return caller_identity(
                caller, claim.access_key_id if claim else None
            ), caller.account_id
        if operation in _UNSIGNED and claim is None:
            return federated_identity(operation, note.result), ""
        if claim is None:
            return unknown_identity(None), ""
        account = self._key_account(claim, note.time or self.clock())
        return unknown_identity(claim.access_key_id, account), account or ""

    def _key_account(self, claim: SigV4Claim, now: datetime) -> str | None:
        """The account of the key a refused request claimed, when it exists."""
        try:
            if claim.security_token and self.session_tokens is not None:
                token = self.session_tokens.open(claim.access_key_id, claim.security_token, now)
                return token.account_id
            with self.store.transaction(write=False) as tx:
                key = tx.access_keys.get(claim.access_key_id)
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
        """One decision of the authorization service (or its refusal to authenticate): its
        event is built and stored by the outbox's writer."""
        self.outbox.defer(
            functools.partial(
                self._decision_events,
                request=request,
                rid=rid,
                time=time,
                action=action,
                resource=resource,
                region=region,
                source_ip=source_ip,
                caller=caller,
                claim=claim,
                effect=effect,
                error=error,
                message=message,
            )
        )

    def _decision_events(
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
        message: str | None,
    ) -> list[AuditEvent]:
        service, _, name = action.partition(":")
        account: str | None
        if caller is not None:
            identity = caller_identity(caller, claim.access_key_id if claim else None)
            account = caller.account_id
        else:
            account = self._key_account(claim, time) if claim is not None else None
            identity = unknown_identity(claim.access_key_id if claim else None, account)
        code, text = (error.code, error.message) if error is not None else (None, None)
        if error is None and effect != "Allow":
            code, text = "AccessDenied", message or ""
        event = build_event(
            ApiCall(
                service=service or "unknown",
                operation=(name or action)[:_MAX_NAME],
                time=time,
                region=region or self.default_region,
                request_id=rid,
                event_id=event_id(),
                identity=identity,
                account_id=account or "",
                read_only=name.startswith(_READ_PREFIXES),
                source_ip=source_ip,
                user_agent=_user_agent(request),
                error_code=code,
                error_message=text,
                additional={"authorizationService": True, "decision": effect or "Unknown"},
                extra_resources=(("ARN", resource),) if resource else (),
            )
        )
        return [event]

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
