"""CloudTrail ``LookupEvents`` over the audit trail
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).

The caller sees its own account's events only, newest first, and needs
``cloudtrail:LookupEvents`` (the root user has it). At most one lookup attribute, as CloudTrail
allows; ``StartTime``/``EndTime`` bound the event time (inclusive); ``MaxResults`` 1 to 50
(default 50). ``NextToken`` is the last event of the page, sealed with the key ring and bound to
the caller's account and the query's attributes and times, so a token cannot be forged, edited
or replayed with other parameters (``InvalidNextTokenException``). ``EventCategory`` ``insight``
finds nothing: rolegate records no Insights events.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from rolegate.domain.errors import AccessDenied
from rolegate.services.cloudtrail.errors import (
    AccessDeniedException,
    InvalidLookupAttributes,
    InvalidNextToken,
    InvalidTimeRange,
)
from rolegate.services.context import OperationContext, Params, Result
from rolegate.store import AuditQuery

ACTION = "cloudtrail:LookupEvents"
DEFAULT_RESULTS = 50
TOKEN_PURPOSE = "cloudtrail-next-token"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TokenSealer(Protocol):
    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes: ...

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes: ...


@dataclass(frozen=True, slots=True)
class LookupEvents:
    """The handler, with the key ring that seals its page tokens."""

    tokens: TokenSealer

    def __call__(self, ctx: OperationContext, params: Params) -> Result:
        try:
            ctx.authorize(ACTION, "*")
        except AccessDenied as denied:
            raise AccessDeniedException(denied.message) from None
        attribute = _attribute(params.get("LookupAttributes") or [])
        # 1 to 50: the model's range, checked with the request (wire.json_protocol)
        limit: int = params.get("MaxResults", DEFAULT_RESULTS)
        start: datetime = params.get("StartTime") or _EPOCH
        end: datetime = params.get("EndTime") or ctx.now
        if start > end:
            raise InvalidTimeRange("Start time must be before end time.")  # unverified
        if params.get("EventCategory") == "insight":
            return {"Events": []}
        bound = _binding(ctx.account_id, attribute, params)
        after = None
        if params.get("NextToken") is not None:
            after = self._open(params["NextToken"], bound)
        events = ctx.tx.audit_events.lookup(
            AuditQuery(ctx.account_id, start, end, limit + 1, attribute, after)
        )
        result: Result = {"Events": [_event(event) for event in events[:limit]]}
        if len(events) > limit:
            last = events[limit - 1]
            result["NextToken"] = self._seal(last.event_time, last.event_id, bound)
        return result

    def _seal(self, time: datetime, event_id: str, bound: bytes) -> str:
        micros = (time - _EPOCH) // timedelta(microseconds=1)
        plain = json.dumps([micros, event_id], separators=(",", ":")).encode()
        sealed = self.tokens.seal(plain, purpose=TOKEN_PURPOSE, aad=bound)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def _open(self, token: str, bound: bytes) -> tuple[datetime, str]:
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            micros, event_id = json.loads(
                self.tokens.open(sealed, purpose=TOKEN_PURPOSE, aad=bound)
            )
            return _EPOCH + timedelta(microseconds=int(micros)), str(event_id)
        except Exception:  # not base64, not ours, edited, or for another query
            raise InvalidNextToken("Invalid NextToken.") from None  # unverified: its wording


def _attribute(attributes: list[dict[str, str]]) -> tuple[str, str] | None:
    if len(attributes) > 1:
        # unverified: CloudTrail's wording
        raise InvalidLookupAttributes("You can only specify one lookup attribute.")
    if not attributes:
        return None
    key, value = attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]
    if key == "ReadOnly" and value not in ("true", "false"):
        raise InvalidLookupAttributes("ReadOnly must be true or false.")  # unverified
    return key, value


def _binding(account_id: str, attribute: tuple[str, str] | None, params: Params) -> bytes:
    """What a page token is valid for: the account and the query (not MaxResults)."""
    times = [
        params[name].isoformat() if params.get(name) is not None else None
        for name in ("StartTime", "EndTime")
    ]
    return json.dumps([account_id, attribute, times], separators=(",", ":")).encode()


def _event(event: Any) -> dict[str, Any]:
    return {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": "true" if event.read_only else "false",
        "AccessKeyId": event.access_key_id,
        "EventTime": event.event_time,
        "EventSource": event.event_source,
        "Username": event.username,
        "Resources": [
            {"ResourceType": kind, "ResourceName": name} for kind, name in event.resources
        ],
        "CloudTrailEvent": event.record,
    }
