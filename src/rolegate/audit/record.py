"""One audit event: a CloudTrail record and the columns LookupEvents filters on
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).

``build_event(call)`` is pure: the caller gives the time, the ids and what happened. Request
parameters and response elements are the operation's model members, secrets removed
(``audit.redaction``), keys in lowerCamelCase as CloudTrail writes them, dates as CloudTrail's
``"Jan 2, 2026, 3:04:05 PM"``. Reads carry no ``responseElements`` (CloudTrail writes null for
them), except the STS calls that issue credentials, whose access key id and expiry are kept.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from rolegate.audit.identity import iso_time, lookup_username
from rolegate.audit.redaction import HIDDEN, rule_for
from rolegate.audit.redaction import redacted as _redacted
from rolegate.audit.resources import Resource, resources_of
from rolegate.domain.audit_event import AuditEvent

EVENT_VERSION = "1.09"
# What orjson cannot encode (an integer beyond 64 bits): the standard library's encoder, whose
# output is the same compact JSON (no spaces, UTF-8 kept as is).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
# A field larger than this (as JSON) is left out, with ``"omitted": true``, as CloudTrail
# truncates what exceeds its field size.
MAX_FIELD_BYTES = 100 * 1024
# Reads whose answer CloudTrail records all the same: the credentials they issue.
CREDENTIAL_ISSUERS = frozenset(
    {
        "AssumeRole",
        "AssumeRoleForWorkload",
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "GetFederationToken",
        "GetScopedCredentials",
        "GetSessionToken",
        "GetWebIdentityToken",
    }
)


@dataclass(slots=True)
class ApiCall:
    """What happened, as the pipeline (or the authorization service) saw it. Not frozen: one is
    made per event on the writer thread, and a frozen dataclass's ``__init__`` costs twice as
    much."""

    service: str  # "iam", "sts", or the service an authorization question was about
    operation: str
    time: datetime
    region: str
    request_id: str
    event_id: str
    identity: Mapping[str, Any]
    account_id: str  # recipientAccountId; "" when no account is known
    read_only: bool
    source_ip: str | None = None
    user_agent: str | None = None
    request: Mapping[str, Any] | None = None  # the parsed parameters (model member names)
    response: Mapping[str, Any] | None = None  # the result (model member names)
    error_code: str | None = None
    error_message: str | None = None
    shared_event_id: str | None = None
    event_type: str = "AwsApiCall"
    additional: Mapping[str, Any] | None = None
    extra_resources: tuple[Resource, ...] = ()


def event_source(service: str) -> str:
    return f"{service}.amazonaws.com"


def build_event(call: ApiCall) -> AuditEvent:
    rule = rule_for(call.service, call.operation)
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": call.identity if type(call.identity) is dict else dict(call.identity),
        "eventTime": iso_time(call.time),
        "eventSource": event_source(call.service),
        "eventName": call.operation,
        "awsRegion": call.region,
        "sourceIPAddress": call.source_ip or "",
        "userAgent": call.user_agent or "",
    }
    if call.error_code is not None:
        record["errorCode"] = call.error_code
        record["errorMessage"] = call.error_message or ""
    request: Any = None
    if rule.hide_request and call.request is not None:
        request = HIDDEN
    elif call.request:  # CloudTrail writes null for a call without parameters
        request = camel(_redacted(call.request, rule.request) if rule.request else call.request)
    record["requestParameters"] = request
    response: Any = None
    recorded = call.response is not None and (
        not call.read_only or call.operation in CREDENTIAL_ISSUERS
    )
    if recorded and call.response is not None:
        shown = _redacted(call.response, rule.response) if rule.response else call.response
        response = camel(shown)
    record["responseElements"] = response
    if call.additional:
        record["additionalEventData"] = dict(call.additional)
    record["requestID"] = call.request_id
    record["eventID"] = call.event_id
    record["readOnly"] = call.read_only
    resources = (
        *resources_of(call.request, call.response if recorded else None),
        *call.extra_resources,
    )
    if resources:
        record["resources"] = [
            {"accountId": call.account_id, "type": kind, "ARN": name}
            if name.startswith("arn:")
            else {"accountId": call.account_id, "type": kind, "name": name}
            for kind, name in resources
        ]
    record["eventType"] = call.event_type
    record["managementEvent"] = True
    record["recipientAccountId"] = call.account_id
    if call.shared_event_id is not None:
        record["sharedEventID"] = call.shared_event_id
    record["eventCategory"] = "Management"
    text = encode(record)
    if len(text) > MAX_FIELD_BYTES:  # rare: leave out the fields that are too large
        text = _bounded(record)
    return AuditEvent(
        event_id=call.event_id,
        account_id=call.account_id,
        event_time=call.time,
        event_name=call.operation,
        event_source=record["eventSource"],
        username=lookup_username(call.identity),
        access_key_id=call.identity.get("accessKeyId"),
        read_only=call.read_only,
        resources=resources,
        record=text,
    )


_SCALARS = (str, int, bool, float, type(None))


def encode(value: Any) -> str:
    """Compact JSON: orjson (a few µs less per event on the writer thread), the standard
    library's encoder for what orjson refuses."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _ENCODER.encode(value)


def camel(value: Any) -> Any:
    """Model member names to CloudTrail's lowerCamelCase keys, values to JSON."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {key[:1].lower() + key[1:]: camel(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [camel(item) for item in value]
    if isinstance(value, datetime):
        return cloudtrail_date(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def cloudtrail_date(moment: datetime) -> str:
    """How CloudTrail writes dates inside request and response elements: ``Jan 2, 2026,
    3:04:05 PM`` (UTC)."""
    hour = moment.hour % 12 or 12
    return (
        f"{moment.strftime('%b')} {moment.day}, {moment.year}, "
        f"{hour}:{moment.strftime('%M:%S')} {'AM' if moment.hour < 12 else 'PM'}"
    )


def _bounded(record: dict[str, Any]) -> str:
    """The record without the request parameters or response elements whose JSON exceeds
    ``MAX_FIELD_BYTES``, marked ``"omitted": true``."""
    for name in ("requestParameters", "responseElements"):
        if len(encode(record[name])) > MAX_FIELD_BYTES:
            record[name] = None
            record["omitted"] = True
    return encode(record)
