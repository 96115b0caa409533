"""Service last accessed data (revision ``r0013``), on the same ``metadata`` as ``schema.py``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html).

``service_last_accessed`` holds, per principal (a user's or role's unique id, or the account id
for the root user), service namespace and action, when it was last allowed and in which region;
``action_name`` is empty on the service's own row. ``last_accessed_jobs`` holds each report
GenerateServiceLastAccessedDetails made: who asked (only the same principal may read it), for
which entity, and the report as JSON once complete.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, ENTITY_ID, metadata
from rolegate.store.types import UtcTimestamp

service_last_accessed = Table(
    "service_last_accessed",
    metadata,
    Column("principal_id", ENTITY_ID, primary_key=True),
    Column("service_namespace", String(64), primary_key=True),
    Column("action_name", String(128), primary_key=True),  # "" for the service as a whole
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("principal_arn", ARN, nullable=False),
    Column("last_authenticated", UtcTimestamp(), nullable=False),
    Column("region", String(32), nullable=False),
    Index("ix_service_last_accessed_account", "account_id"),
)

last_accessed_jobs = Table(
    "last_accessed_jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("requester_arn", ARN, nullable=False),
    Column("entity_arn", ARN, nullable=False),
    Column("granularity", String(16), nullable=False),
    Column("creation_date", UtcTimestamp(), nullable=False),
    Column("completion_date", UtcTimestamp(), nullable=True),
    Column("report_json", Text(), nullable=True),
)
