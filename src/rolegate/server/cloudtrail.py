"""CloudTrail's JSON endpoint on the IAM/STS port: ``LookupEvents`` over the audit trail.

A request whose ``X-Amz-Target`` starts with CloudTrail's target prefix comes here instead of
the Query pipeline (``server.app``). The same steps, in JSON: the signature's shape, the
operation from the target, one read transaction, the caller
(``server.authn.Authenticator``, credential scope ``cloudtrail``), the body read and checked
against the pinned model (``wire.json_protocol``), the operation
(``services.cloudtrail.LookupEvents``, which asks the policy engine for
``cloudtrail:LookupEvents``), the answer as JSON. Errors are CloudTrail's JSON errors
(``{"__type": ..., "message": ...}``): the Query services' authentication codes become the JSON
services' (``SignatureDoesNotMatch`` -> ``InvalidSignatureException``, ...).

Each call is itself recorded in the audit trail, as CloudTrail records LookupEvents: a read-only
management event of ``cloudtrail.amazonaws.com``
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-events.html).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rolegate.auth.sigv4 import HttpRequest, parse_sigv4
from rolegate.domain.errors import AwsError
from rolegate.domain.ids import request_id
from rolegate.server.audit_trail import AuditNote
from rolegate.server.pipeline import Pipeline, Response
from rolegate.services.cloudtrail import LookupEvents
from rolegate.store import StoreUnavailable
from rolegate.wire.json_protocol import JSON_CONTENT_TYPE, load_json_service

log = logging.getLogger("rolegate.request")

TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
SERVICE = "cloudtrail"
# The Query services' authentication errors, as AWS's JSON services name them (all 400 but
# the missing token, 403: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/CommonErrors.html).
_JSON_CODES = {
    "SignatureDoesNotMatch": ("InvalidSignatureException", 400),
    "InvalidClientTokenId": ("UnrecognizedClientException", 400),
    "IncompleteSignature": ("IncompleteSignatureException", 400),
    "MissingAuthenticationToken": ("MissingAuthenticationTokenException", 403),
    "ExpiredToken": ("ExpiredTokenException", 400),
    "AccessDenied": ("AccessDeniedException", 400),
}
INTERNAL = "An internal error occurred while processing the request."  # unverified


def is_cloudtrail(headers: dict[str, str]) -> bool:
    """Whether a request (lower-cased header names) is for CloudTrail's JSON endpoint."""
    return headers.get("x-amz-target", "").startswith(TARGET_PREFIX)


class _JsonError(AwsError):
    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.sender_fault = code, status, status < 500


@dataclass(slots=True)
class CloudTrailEndpoint:
    pipeline: Pipeline  # its store, authenticator, clock, caches and audit trail
    lookup_events: LookupEvents

    def handle(
        self, request: HttpRequest, *, source_ip: str | None = None, secure_transport: bool = False
    ) -> Response:
        pipeline = self.pipeline
        rid = request_id()
        service = load_json_service(SERVICE)
        headers = {name.lower(): value for name, value in request.headers}
        note = AuditNote(request, rid, source_ip, service=SERVICE)
        refused: AwsError | None = None
        try:
            operation = note.operation = service.operation_of(headers.get("x-amz-target"))
            claim = note.claim = parse_sigv4(request)
            if claim is None:
                raise _JsonError(
                    *_JSON_CODES["MissingAuthenticationToken"], "Missing Authentication Token"
                )
            now = note.time = pipeline.clock()
            note.region = claim.region
            with pipeline.store.transaction(write=pipeline.authenticator.permissive) as tx:
                caller = note.caller = pipeline.authenticator.caller_for(
                    tx, claim, request, now, SERVICE
                )
                parsed = service.parse_request(operation, request.body)
                note.params = parsed.params
                ctx = pipeline.operation_context(
                    caller, claim.region, rid, now, tx, parsed.params, source_ip, secure_transport
                )
                result = self.lookup_events(ctx, parsed.params)
            status, body = 200, service.serialize_result(operation, result)
        except AwsError as error:
            code, status = _JSON_CODES.get(error.code, (error.code, error.status))
            refused = _JsonError(code, status, error.message)
            status, body = status, service.serialize_error(refused)
        except StoreUnavailable:
            log.exception("request %s (cloudtrail): the database is unavailable", rid)
            refused = _JsonError("ServiceUnavailableException", 503, "Service unavailable.")
            status, body = 503, service.serialize_error(refused)
        except Exception:
            log.exception("request %s (cloudtrail) failed", rid)
            refused = _JsonError("InternalFailure", 500, INTERNAL)
            status, body = 500, service.serialize_error(refused)
        if pipeline.audit is not None:
            pipeline.audit.finish(note, refused)
        log.info("%s cloudtrail %d", rid, status)
        return Response(status, body, rid, JSON_CONTENT_TYPE)
