"""Service last accessed data (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html):
which principal was last allowed to use which service (and action), when and where; and the report
jobs GenerateServiceLastAccessedDetails starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ServiceUse:
    account_id: str
    principal_id: str  # a user's or role's unique id; the account id for the root user
    principal_arn: str
    service_namespace: str  # "iam", "s3", an operator's own service
    action_name: str  # "" for the service as a whole
    last_authenticated: datetime
    region: str


@dataclass(frozen=True, slots=True)
class LastAccessedJob:
    job_id: str  # a UUID
    account_id: str
    requester_arn: str  # only the same principal may read the report
    entity_arn: str  # the user, group, role or policy reported on
    granularity: str  # SERVICE_LEVEL or ACTION_LEVEL
    creation_date: datetime
    completion_date: datetime | None = None  # None while IN_PROGRESS
    report_json: str | None = None  # the report, once complete
