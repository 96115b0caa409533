"""The audit trail in CloudTrail's record format (docs/audit.md).

* ``record``: ``build_event(ApiCall) -> AuditEvent``, the record and its lookup columns (pure);
* ``identity``: ``userIdentity`` of a caller, a federated subject or an unknown signer;
* ``redaction``: the secrets of each operation, as data, left out of every record;
* ``resources``: the resources an event names (LookupEvents' ResourceType/ResourceName);
* ``outbox``: the batching writer of the events not written with a change;
* ``stream``: JSON lines to a file or standard output.

Server code imports from this package, never from its modules.
"""

from rolegate.audit.identity import caller_identity, federated_identity, unknown_identity
from rolegate.audit.outbox import Outbox
from rolegate.audit.record import CREDENTIAL_ISSUERS, ApiCall, build_event, cloudtrail_date
from rolegate.audit.redaction import HIDDEN, RULES
from rolegate.audit.stream import JsonLines

__all__ = [
    "CREDENTIAL_ISSUERS",
    "HIDDEN",
    "RULES",
    "ApiCall",
    "JsonLines",
    "Outbox",
    "build_event",
    "caller_identity",
    "cloudtrail_date",
    "federated_identity",
    "unknown_identity",
]
