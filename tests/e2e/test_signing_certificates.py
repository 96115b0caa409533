"""Signing certificates end to end on SQLite and PostgreSQL: upload, list, status, delete for a
user and for the root user, two per user, one upload of a certificate per account, and what is
not a PEM certificate or not valid now; DeleteUser refuses while a certificate remains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from credential_helpers import certificate_pem
from policy_helpers import fails


def test_lifecycle(iam: Any, unique: Any) -> None:
    name = unique("signer")
    iam.create_user(UserName=name)
    body = certificate_pem()
    cert = iam.upload_signing_certificate(UserName=name, CertificateBody=body)["Certificate"]
    cert_id = cert["CertificateId"]
    assert len(cert_id) == 32 and cert_id.isalnum() and cert_id.isupper()
    assert (cert["UserName"], cert["CertificateBody"], cert["Status"]) == (name, body, "Active")
    listed = iam.list_signing_certificates(UserName=name)
    assert listed["Certificates"] == [cert] and listed["IsTruncated"] is False
    iam.update_signing_certificate(UserName=name, CertificateId=cert_id, Status="Inactive")
    assert iam.list_signing_certificates(UserName=name)["Certificates"][0]["Status"] == "Inactive"
    assert fails(iam.delete_user, UserName=name) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete signing certificates first.",
    )
    iam.delete_signing_certificate(UserName=name, CertificateId=cert_id)
    assert iam.list_signing_certificates(UserName=name)["Certificates"] == []
    iam.delete_user(UserName=name)


def test_the_root_users_own(iam: Any) -> None:
    """Without UserName the root user's certificates, which carry no UserName."""
    cert = iam.upload_signing_certificate(CertificateBody=certificate_pem())["Certificate"]
    try:
        assert "UserName" not in cert
        ids = [c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]]
        assert cert["CertificateId"] in ids
        summary = iam.get_account_summary()["SummaryMap"]
        assert summary["AccountSigningCertificatesPresent"] == 1
    finally:
        iam.delete_signing_certificate(CertificateId=cert["CertificateId"])
    ids = [c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]]
    assert cert["CertificateId"] not in ids


def test_bad_certificates(iam: Any, unique: Any) -> None:
    name, other = unique("signer"), unique("signer")
    iam.create_user(UserName=name)
    iam.create_user(UserName=other)
    now = datetime.now(UTC)
    malformed = (
        "MalformedCertificate",
        400,
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
    )
    invalid = ("InvalidCertificate", 400, "The certificate is expired or not yet valid.")
    bodies = {
        "not a certificate": malformed,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----": malformed,
        certificate_pem(not_before=now - timedelta(days=9), not_after=now - timedelta(days=1)): (
            invalid
        ),
        certificate_pem(not_before=now + timedelta(days=1), not_after=now + timedelta(days=9)): (
            invalid
        ),
    }
    for body, answer in bodies.items():
        assert fails(iam.upload_signing_certificate, UserName=name, CertificateBody=body) == answer
    assert iam.list_signing_certificates(UserName=name)["Certificates"] == []
    body = certificate_pem()
    iam.upload_signing_certificate(UserName=name, CertificateBody=body)
    duplicate = (
        "DuplicateCertificate",
        409,
        "The same certificate is already associated with an IAM user in this account.",
    )
    for owner in (name, other):  # once per account, whoever holds it
        assert fails(iam.upload_signing_certificate, UserName=owner, CertificateBody=body) == (
            duplicate
        )
    iam.upload_signing_certificate(UserName=name, CertificateBody=certificate_pem())
    assert fails(
        iam.upload_signing_certificate, UserName=name, CertificateBody=certificate_pem()
    ) == ("LimitExceeded", 409, "Cannot exceed quota for SigningCertificatesPerUser: 2")
    assert len(iam.list_signing_certificates(UserName=name)["Certificates"]) == 2
    theirs = iam.upload_signing_certificate(UserName=other, CertificateBody=certificate_pem())
    their_id = theirs["Certificate"]["CertificateId"]
    for cert_id in ("A" * 32, their_id):  # unknown, or another user's
        missing = ("NoSuchEntity", 404, f"The Certificate with id {cert_id} cannot be found.")
        assert (
            fails(
                iam.update_signing_certificate,
                UserName=name,
                CertificateId=cert_id,
                Status="Inactive",
            )
            == missing
        )
        assert fails(iam.delete_signing_certificate, UserName=name, CertificateId=cert_id) == (
            missing
        )
    assert iam.list_signing_certificates(UserName=other)["Certificates"][0]["Status"] == "Active"
    nobody = unique("nobody")
    assert fails(iam.upload_signing_certificate, UserName=nobody, CertificateBody=body) == (
        "NoSuchEntity",
        404,
        f"The user with name {nobody} cannot be found.",
    )
