"""CloudTrail's ``LookupEvents`` over rolegate's audit trail (docs/audit.md); the JSON protocol
around it is ``wire.json_protocol``, its endpoint ``server.cloudtrail``.

Server code imports from this package, never from its modules.
"""

from rolegate.services.cloudtrail.errors import AccessDeniedException
from rolegate.services.cloudtrail.lookup_events import LookupEvents

__all__ = ["AccessDeniedException", "LookupEvents"]
