"""One audit event as the store keeps it: a CloudTrail record (JSON text) and the columns
LookupEvents filters on (``rolegate.audit`` builds them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

AuditResource = tuple[str, str]  # (ResourceType, ResourceName: a name or an ARN)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    event_id: str  # uuid4
    account_id: str  # recipientAccountId; "" when the request's account is not known
    event_time: datetime
    event_name: str
    event_source: str
    username: str | None
    access_key_id: str | None
    read_only: bool
    resources: tuple[AuditResource, ...]
    record: str  # the CloudTrail record, as JSON
