"""GenerateCredentialReport and GetCredentialReport
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html).

The report is a CSV of the account's root user and every IAM user with the state of their
credentials. Generation here is immediate: the first call answers ``STARTED`` as AWS does and the
report is ready at once; a report is made again only once the last one is four hours old, and
GetCredentialReport refuses one older than that (``ReportExpired``, HTTP 410).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from rolegate.domain.arn import root_arn
from rolegate.domain.credentials import LoginProfile
from rolegate.domain.entities import AccessKey, User
from rolegate.domain.errors import ReportExpired, ReportNotPresent
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.store import Tx

LIFETIME = timedelta(hours=4)
STARTED = "No report exists. Starting a new report generation task"
# The API reference's descriptions of the two errors (AWS's messages are unverified).
NOT_PRESENT = (
    "The request was rejected because the credential report does not exist. To generate a "
    "credential report, use GenerateCredentialReport."
)
EXPIRED = (
    "The request was rejected because the most recent credential report has expired. To "
    "generate a new credential report, use GenerateCredentialReport."
)
COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(
        f"access_key_{n}_{field}"
        for n in (1, 2)
        for field in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    ),
    *(f"cert_{n}_{field}" for n in (1, 2) for field in ("active", "last_rotated")),
)
NA = "N/A"
ROOT = "<root_account>"


def _time(value: datetime | None) -> str:
    """ISO 8601 to the second, as the report writes times (``2014-11-14T20:29:51+00:00``)."""
    return NA if value is None else value.isoformat(timespec="seconds")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _keys(keys: list[AccessKey]) -> list[str]:
    out: list[str] = []
    for slot in range(2):
        key = keys[slot] if slot < len(keys) else None
        if key is None:
            out += ["false", NA, NA, NA, NA]
            continue
        out += [
            _flag(key.status == "Active"),
            _time(key.create_date),
            _time(key.last_used_date),
            key.last_used_region or NA,
            key.last_used_service or NA,
        ]
    return out


def _certificates(certificates: Iterable[tuple[str, datetime]]) -> list[str]:
    found = list(certificates)[:2]
    out: list[str] = []
    for slot in range(2):
        if slot < len(found):
            status, uploaded = found[slot]
            out += [_flag(status == "Active"), _time(uploaded)]
        else:
            out += ["false", NA]
    return out


def _last_used(profile: LoginProfile | None) -> str:
    """N/A without a password; no_information for one never used to sign in."""
    if profile is None:
        return NA
    return (
        "no_information"
        if profile.password_last_used is None
        else _time(profile.password_last_used)
    )


def build_report(tx: Tx, account_id: str, now: datetime) -> str:
    """The CSV text: the root user first, then the users by name."""
    keys = tx.access_keys.list_for_account(account_id)
    certificates = sorted(
        tx.signing_certificates.list_for_account(account_id), key=lambda c: c.upload_date
    )
    profiles = {p.user_id: p for p in tx.login_profiles.list_for_account(account_id)}
    with_mfa = {d.user_name for d in tx.mfa_devices.list_for_account(account_id) if d.user_name}
    policy = tx.account_settings.password_policy(account_id)
    account = tx.accounts.get(account_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    root_row = [
        ROOT,
        root_arn(account_id),
        _time(account.create_date if account is not None else now),
        "not_supported",
        NA,
        "not_supported",
        "not_supported",
        "false",
        *_keys([k for k in keys if k.user_name is None]),
        *_certificates((c.status, c.upload_date) for c in certificates if c.user_id is None),
    ]
    writer.writerow(root_row)
    for user in _users(tx, account_id):
        profile = profiles.get(user.user_id)
        next_rotation = NA
        if profile is not None and policy is not None and policy.max_password_age is not None:
            next_rotation = _time(
                profile.password_changed + timedelta(days=policy.max_password_age)
            )
        writer.writerow(
            [
                user.user_name,
                user.arn,
                _time(user.create_date),
                _flag(profile is not None),
                _last_used(profile),
                NA if profile is None else _time(profile.password_changed),
                next_rotation,
                _flag(user.user_name in with_mfa),
                *_keys([k for k in keys if k.user_name == user.user_name]),
                *_certificates(
                    (c.status, c.upload_date) for c in certificates if c.user_id == user.user_id
                ),
            ]
        )
    return out.getvalue()


def _users(tx: Tx, account_id: str) -> Iterator[User]:
    marker: str | None = None
    while True:
        page = tx.users.list(account_id, marker=marker, max_items=1000)
        yield from page.items
        if page.next_marker is None:
            return
        marker = page.next_marker


def expired(generated: datetime, now: datetime) -> bool:
    """A report lives four hours: then GenerateCredentialReport makes a new one and
    GetCredentialReport refuses the old one."""
    return now - generated >= LIFETIME


def generate_credential_report(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GenerateCredentialReport", "*")
    existing = ctx.tx.credential_reports.get(ctx.account_id)
    if existing is not None and not expired(existing[0], ctx.now):
        return {"State": "COMPLETE"}
    ctx.tx.credential_reports.put(
        ctx.account_id, ctx.now, build_report(ctx.tx, ctx.account_id, ctx.now)
    )
    return {"State": "STARTED", "Description": STARTED}


def get_credential_report(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetCredentialReport", "*")
    existing = ctx.tx.credential_reports.get(ctx.account_id)
    if existing is None:
        raise ReportNotPresent(NOT_PRESENT)
    generated, content = existing
    if expired(generated, ctx.now):
        raise ReportExpired(EXPIRED)
    return {
        "Content": content.encode("utf-8"),
        "ReportFormat": "text/csv",
        "GeneratedTime": generated,
    }


HANDLERS: dict[str, Handler] = {
    "GenerateCredentialReport": generate_credential_report,
    "GetCredentialReport": get_credential_report,
}
