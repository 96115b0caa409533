"""Checks of single values: action names, resource ARNs, date condition values.

These reproduce the answers IAM gives to ``CreatePolicy``/``PutRolePolicy`` (recorded AWS
responses; see messages.py). They are syntactic only: IAM does not check that a service or an
action exists (``"fsx:ListBucket"`` and ``"arn:aws:invalid-service:::x"`` are accepted).
"""

from __future__ import annotations

import re

from rolegate.policy import messages

#: Partitions AWS knows ("Amazon Resource Names",
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)

#: Resource types an IAM ARN's resource part may start with.
IAM_RESOURCE_PREFIXES = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
_S3_REGIONAL_PREFIXES = ("accesspoint/",)  # S3 access points are regional
_VENDOR_CHARACTERS = re.compile(r"[A-Za-z0-9.\-]*")
_VARIABLE = re.compile(r"\$\{[^{}]*\}")  # ${aws:username}: its colon does not split the ARN


def action_problem(action: str) -> str | None:
    """AWS's message for a malformed ``service:action`` string, or None.

    ``"*"`` and any ``vendor:anything`` are accepted (``"iam: asdf safdsf af "`` is valid to AWS).
    """
    parts = action.split(":")
    if len(parts) == 1:
        return None if action == "*" else messages.ACTION_WITHOUT_VENDOR
    if len(parts) > 2:
        return messages.ACTION_TOO_MANY_COLONS
    vendor = parts[0]
    if vendor != "*" and not _VENDOR_CHARACTERS.fullmatch(vendor):
        return messages.invalid_vendor(vendor)
    return None


def resource_problem(resource: str) -> str | None:
    """AWS's message for a ``Resource``/``NotResource`` value IAM rejects, or None."""
    if resource == "*":
        return None
    _scheme, colon, rest = _VARIABLE.sub("${}", resource).partition(":")
    if not colon:
        return messages.resource_not_arn(resource)
    partition, colon, rest = rest.partition(":")
    if partition != "*" and partition not in PARTITIONS:
        _scheme, _, original = resource.partition(":")
        original_partition, _, original_rest = original.partition(":")
        rendered = _render_with_partition(original_partition, original_rest)
        return messages.invalid_partition(original_partition, rendered)
    if not colon:
        return messages.RESOURCE_VENDOR_NOT_QUALIFIED
    service, _, rest = rest.partition(":")
    region, _, rest = rest.partition(":")
    _account, _, resource_part = rest.partition(":")
    if region and service == "iam":
        return messages.iam_resource_with_region(resource)
    if region and service == "s3" and not resource_part.startswith(_S3_REGIONAL_PREFIXES):
        return messages.s3_resource_with_region(resource)
    if service == "iam" and not _is_iam_resource_part(resource_part):
        return messages.iam_resource_bad_path(IAM_RESOURCE_PREFIXES)
    return None


def resource_fails_legacy_parsing(resource: str) -> bool:
    """True for ARNs IAM answers with "The policy failed legacy parsing".

    Recorded cases: fewer than six ``:``-separated parts when two colons are adjacent
    (``arn:aws:s3::bucket``), and an empty service (``arn:aws::::bucket``, ``arn:aws::x``).
    """
    if resource == "*":
        return False
    resource = _VARIABLE.sub("${}", resource)
    if resource.count(":") < 5 and "::" in resource:
        return True
    parts = resource.split(":")
    return len(parts) > 2 and parts[2] == ""


def _is_iam_resource_part(resource_part: str) -> bool:
    if resource_part in ("*", "root") or resource_part.startswith(IAM_RESOURCE_PREFIXES):
        return True
    # A wildcard or a variable in the resource type may stand for a valid prefix ("user*",
    # "${aws:username}"): IAM cannot know, we accept.  # behaviour unverified against AWS
    resource_type = resource_part.split("/", 1)[0]
    return any(marker in resource_type for marker in ("*", "?", "${"))


_ISO_DATE = re.compile(r"(-?\d+)(?:-(\d+))?(?:-(\d+))?", re.ASCII)
_ISO_TIME = re.compile(
    r"(?:(\d+)(?::(\d+)(?::(\d+)(?:\.(\d+))?)?)?)?(z|[+-]\d\d(?::\d\d)?)?", re.ASCII
)
_EPOCH = re.compile(r"\d+", re.ASCII)
_MIN_YEAR, _MAX_YEAR = -292275054, 292278993  # the range of a Java epoch-millisecond date
_MAX_EPOCH = 2**63 - 1


def date_value_parses(value: str) -> bool:
    """Whether IAM can read a ``Date*`` condition value (ISO 8601 variants or epoch seconds).

    IAM is lenient ("01T", "2016-12-13t2:00:00.593194+23" are accepted) and rejects the rest
    with "The policy failed legacy parsing" ("sdfdsf", "234-13", a one-digit zone offset,
    fractions beyond nanoseconds, epochs beyond 2**63-1).
    """
    lowered = value.lower()
    if "t" not in lowered and "-" not in lowered:
        return _EPOCH.fullmatch(lowered) is not None and _number(lowered) <= _MAX_EPOCH
    date_part, _, time_part = lowered.partition("t")
    date = _ISO_DATE.fullmatch(date_part)
    time = _ISO_TIME.fullmatch(time_part)
    if date is None or time is None:
        return False
    year, month, day = date.groups()
    hours, minutes, seconds, fraction, zone = time.groups()
    if not _MIN_YEAR <= _number(year) <= _MAX_YEAR:
        return False
    ranges = ((month, 1, 12), (day, 1, 31), (hours, 0, 23), (minutes, 0, 59), (seconds, 0, 59))
    if any(text is not None and not low <= _number(text) <= high for text, low, high in ranges):
        return False
    if fraction is not None and _number(fraction) > 999_999_999:
        return False
    if zone and zone != "z":
        zone_hours, _, zone_minutes = zone[1:].partition(":")
        if int(zone_hours) > 23 or (zone_minutes and int(zone_minutes) > 59):
            return False
    return True


def _number(digits: str) -> int:
    """``int(digits)``, saturated for absurdly long inputs (int() refuses > 4300 digits)."""
    if len(digits.lstrip("-")) > 30:
        return -(2**100) if digits.startswith("-") else 2**100
    return int(digits)


def _render_with_partition(partition: str, rest: str) -> str:
    """How IAM echoes a resource with a bad partition: six parts, missing ones shown as ``*``."""
    parts = rest.split(":")
    service = parts[0] if parts[0] != "" or len(parts) > 1 else "*"
    region = parts[1] if len(parts) > 1 else "*"
    account = parts[2] if len(parts) > 2 else "*"
    resource = ":".join(parts[3:]) if len(parts) > 3 else "*"
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"
