"""The AWS Query wire protocol for IAM and STS, driven by the pinned botocore models.

Public API::

    decode_form(body, query_string=..., content_type=..., content_encoding=...) -> dict[str, str]
    route_action(form_action, scope_service, *, version=None) -> WireService
    load_service("iam" | "sts") -> WireService
    service_model("iam" | "sts") -> botocore ServiceModel (pinned + rolegate's own operations)
    WireService.parse_request(form) -> ParsedRequest(operation, params)
    WireService.serialize_result(operation, result, request_id) -> bytes
    WireService.serialize_error(error, request_id) -> bytes
    Memoized(key, build): a result's structure rendered once per key (wire.xml_out)
"""

from rolegate.wire.form import decode_form
from rolegate.wire.service import (
    ParsedRequest,
    WireService,
    load_service,
    route_action,
    service_model,
)
from rolegate.wire.xml_out import Memoized

__all__ = [
    "Memoized",
    "ParsedRequest",
    "WireService",
    "decode_form",
    "load_service",
    "route_action",
    "service_model",
]
