"""CloudTrail's errors for LookupEvents, from the model's error shapes (all 400, sender faults)
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html#API_LookupEvents_Errors)."""

from __future__ import annotations

from rolegate.domain.errors import AwsError


class InvalidLookupAttributes(AwsError):
    code, status, sender_fault = "InvalidLookupAttributesException", 400, True


class InvalidTimeRange(AwsError):
    code, status, sender_fault = "InvalidTimeRangeException", 400, True


class InvalidNextToken(AwsError):
    code, status, sender_fault = "InvalidNextTokenException", 400, True


class InvalidEventCategory(AwsError):
    code, status, sender_fault = "InvalidEventCategoryException", 400, True


class AccessDeniedException(AwsError):
    """What CloudTrail answers a caller whose policies do not allow the action (JSON
    services' code and status for AccessDenied)."""

    code, status, sender_fault = "AccessDeniedException", 400, True
