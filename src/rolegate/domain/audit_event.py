"""One audit event as the store keeps it: a CloudTrail record (JSON text) and the columns
LookupEvents filters on (``rolegate.audit`` builds them)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

AuditResource = tuple[str, str]  # (ResourceType, ResourceName: a name or an ARN)


class AuditEvent(NamedTuple):
    """Immutable, as a frozen dataclass would be, at a fifth of its construction cost (one is
    made per call, on the outbox's writer thread)."""

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
