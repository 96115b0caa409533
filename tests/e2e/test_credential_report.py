"""GenerateCredentialReport and GetCredentialReport end to end on SQLite and PostgreSQL, in an
account of their own: ReportNotPresent before the first report, STARTED then COMPLETE, and the
CSV (base64 on the wire) with AWS's columns and values for the root user and each user."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, datetime, timedelta

from account_helpers import new_account
from credential_helpers import STRONG_PASSWORD, certificate_pem
from policy_helpers import fails

from rolegate.services.iam.account.credential_report import COLUMNS, expired

from harness import Server


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def test_report(server: Server) -> None:
    account = new_account(server)
    iam = account.iam
    assert fails(iam.get_credential_report) == (
        "ReportNotPresent",
        410,
        "The request was rejected because the credential report does not exist. To generate a "
        "credential report, use GenerateCredentialReport.",
    )
    plain = iam.create_user(UserName="b-plain")["User"]
    full = iam.create_user(UserName="a-full")["User"]
    profile = iam.create_login_profile(UserName="a-full", Password=STRONG_PASSWORD)
    key = iam.create_access_key(UserName="a-full")["AccessKey"]
    iam.update_access_key(UserName="a-full", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    cert = iam.upload_signing_certificate(UserName="a-full", CertificateBody=certificate_pem())
    iam.update_account_password_policy(MaxPasswordAge=30)
    started = iam.generate_credential_report()
    assert (started["State"], started["Description"]) == (
        "STARTED",
        "No report exists. Starting a new report generation task",
    )
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    rows = list(csv.reader(io.StringIO(report["Content"].decode("utf-8"))))
    assert tuple(rows[0]) == COLUMNS and len(COLUMNS) == 22
    root, first, second = (dict(zip(COLUMNS, row, strict=True)) for row in rows[1:])
    assert len(rows) == 4
    assert (root["user"], root["arn"]) == (
        "<root_account>",
        f"arn:aws:iam::{account.account_id}:root",
    )
    assert root["password_enabled"] == "not_supported"
    assert (root["access_key_1_active"], root["access_key_1_last_used_service"]) == ("true", "iam")
    assert root["access_key_1_last_used_region"] == "us-east-1"
    changed = profile["LoginProfile"]["CreateDate"]
    assert first == {
        "user": "a-full",
        "arn": full["Arn"],
        "user_creation_time": iso(full["CreateDate"]),
        "password_enabled": "true",
        "password_last_used": "no_information",
        "password_last_changed": iso(changed),
        "password_next_rotation": iso(changed + timedelta(days=30)),
        "mfa_active": "false",
        "access_key_1_active": "false",
        "access_key_1_last_rotated": iso(key["CreateDate"]),
        "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A",
        "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A",
        "access_key_2_last_used_service": "N/A",
        "cert_1_active": "true",
        "cert_1_last_rotated": iso(cert["Certificate"]["UploadDate"]),
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    assert (second["user"], second["password_enabled"], second["password_last_used"]) == (
        "b-plain",
        "false",
        "N/A",
    )
    assert second["user_creation_time"] == iso(plain["CreateDate"])
    assert report["GeneratedTime"] >= full["CreateDate"]
    # the AWS CLI shows the same report, base64 as on the wire
    keys = {"key_id": account.key_id, "secret": account.secret}
    shown = server.aws_json("iam", "get-credential-report", **keys)
    assert base64.b64decode(shown["Content"]) == report["Content"]
    assert shown["ReportFormat"] == "text/csv"


def test_a_report_lives_four_hours() -> None:
    made = datetime(2026, 1, 1, tzinfo=UTC)
    assert not expired(made, made + timedelta(hours=4) - timedelta(microseconds=1))
    assert expired(made, made + timedelta(hours=4))
