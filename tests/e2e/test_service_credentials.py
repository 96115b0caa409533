"""Service-specific credentials end to end on SQLite and PostgreSQL: create (the password shown
once), list (per user, per service, all users), reset, status, delete, two per service per user,
unsupported services, API keys; DeleteUser refuses while a credential remains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from policy_helpers import fails

from rolegate.domain.credentials import ServiceSpecificCredential
from rolegate.services.iam.credentials.service_credentials import credential_status

from harness import ACCOUNT_ID

CODECOMMIT = "codecommit.amazonaws.com"
KEYSPACES = "cassandra.amazonaws.com"


def test_lifecycle(iam: Any, unique: Any) -> None:
    name = unique("coder")
    iam.create_user(UserName=name)
    made = iam.create_service_specific_credential(UserName=name, ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"
    ]
    cred_id = made["ServiceSpecificCredentialId"]
    assert cred_id.startswith("ACCA") and len(cred_id) == 21
    assert made["ServiceUserName"] == f"{name}-at-{ACCOUNT_ID}"
    assert (made["UserName"], made["ServiceName"], made["Status"]) == (name, CODECOMMIT, "Active")
    password = made["ServicePassword"]
    assert len(password) == 60 and password.endswith("=")
    listed = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    assert listed == [{k: v for k, v in made.items() if k != "ServicePassword"}]
    reset = iam.reset_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=cred_id
    )
    fresh = reset["ServiceSpecificCredential"]
    assert fresh["ServicePassword"] != password and len(fresh["ServicePassword"]) == 60
    assert fresh["ServiceSpecificCredentialId"] == cred_id
    iam.update_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=cred_id, Status="Inactive"
    )
    listed = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    assert listed[0]["Status"] == "Inactive"
    assert fails(iam.delete_user, UserName=name) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete service specific credentials first.",
    )
    iam.delete_service_specific_credential(UserName=name, ServiceSpecificCredentialId=cred_id)
    assert iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"] == []
    iam.delete_user(UserName=name)


def test_two_per_service_and_filters(iam: Any, unique: Any) -> None:
    name = unique("coder")
    iam.create_user(UserName=name)
    first = iam.create_service_specific_credential(UserName=name, ServiceName=CODECOMMIT)
    second = iam.create_service_specific_credential(UserName=name, ServiceName=CODECOMMIT)
    assert second["ServiceSpecificCredential"]["ServiceUserName"] == f"{name}+1-at-{ACCOUNT_ID}"
    assert fails(iam.create_service_specific_credential, UserName=name, ServiceName=CODECOMMIT) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
    )
    keyspaces = iam.create_service_specific_credential(UserName=name, ServiceName=KEYSPACES)
    only = iam.list_service_specific_credentials(UserName=name, ServiceName=KEYSPACES)
    assert [c["ServiceSpecificCredentialId"] for c in only["ServiceSpecificCredentials"]] == [
        keyspaces["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    ]
    everyone = iam.list_service_specific_credentials(AllUsers=True, ServiceName=CODECOMMIT)
    ids = {c["ServiceSpecificCredentialId"] for c in everyone["ServiceSpecificCredentials"]}
    assert {
        first["ServiceSpecificCredential"]["ServiceSpecificCredentialId"],
        second["ServiceSpecificCredential"]["ServiceSpecificCredentialId"],
    } <= ids
    assert fails(iam.list_service_specific_credentials, UserName=name, AllUsers=True) == (
        "InvalidInput",
        400,
        "Cannot specify both UserName and AllUsers.",
    )


def test_bad_input(iam: Any, unique: Any) -> None:
    name, other = unique("coder"), unique("coder")
    iam.create_user(UserName=name)
    iam.create_user(UserName=other)
    for service in ("s3.amazonaws.com", "codecommit"):
        unsupported = (
            "NoSuchEntity",
            404,
            f"No such service {service} is supported for Service Specific Credentials",
        )
        assert (
            fails(iam.create_service_specific_credential, UserName=name, ServiceName=service)
            == unsupported
        )
        assert (
            fails(iam.list_service_specific_credentials, UserName=name, ServiceName=service)
            == unsupported
        )
    assert fails(
        iam.create_service_specific_credential,
        UserName=name,
        ServiceName=CODECOMMIT,
        CredentialAgeDays=30,
    ) == (
        "InvalidInput",
        400,
        "CredentialAgeDays is only supported for services that support long-term API keys.",
    )
    assert iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"] == []
    theirs = iam.create_service_specific_credential(UserName=other, ServiceName=CODECOMMIT)
    their_id = theirs["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    for cred_id in ("ACCA" + "A" * 17, their_id):  # unknown, or another user's
        missing = ("NoSuchEntity", 404, f"No such credential {cred_id} exists")
        assert (
            fails(
                iam.reset_service_specific_credential,
                UserName=name,
                ServiceSpecificCredentialId=cred_id,
            )
            == missing
        )
        assert (
            fails(
                iam.update_service_specific_credential,
                UserName=name,
                ServiceSpecificCredentialId=cred_id,
                Status="Inactive",
            )
            == missing
        )
        assert (
            fails(
                iam.delete_service_specific_credential,
                UserName=name,
                ServiceSpecificCredentialId=cred_id,
            )
            == missing
        )
    listed = iam.list_service_specific_credentials(UserName=other)["ServiceSpecificCredentials"]
    assert [c["Status"] for c in listed] == ["Active"]
    nobody = unique("nobody")
    assert fails(
        iam.create_service_specific_credential, UserName=nobody, ServiceName=CODECOMMIT
    ) == ("NoSuchEntity", 404, f"The user with name {nobody} cannot be found.")


def test_api_keys(iam: Any, unique: Any) -> None:
    """Bedrock's and CloudWatch Logs' long-term API keys: an alias and a secret, and an
    expiration date with CredentialAgeDays."""
    name = unique("coder")
    iam.create_user(UserName=name)
    made = iam.create_service_specific_credential(
        UserName=name, ServiceName="bedrock.amazonaws.com", CredentialAgeDays=30
    )["ServiceSpecificCredential"]
    assert made["ServiceCredentialAlias"] == f"{name}-at-{ACCOUNT_ID}"
    assert made["ServiceCredentialSecret"].startswith("ABSK")
    assert "ServicePassword" not in made and "ServiceUserName" not in made
    assert made["ExpirationDate"] == made["CreateDate"] + timedelta(days=30)
    listed = iam.list_service_specific_credentials(
        UserName=name, ServiceName="bedrock.amazonaws.com"
    )["ServiceSpecificCredentials"]
    assert listed == [{k: v for k, v in made.items() if k != "ServiceCredentialSecret"}]
    logs = iam.create_service_specific_credential(UserName=name, ServiceName="logs.amazonaws.com")
    assert "ExpirationDate" not in logs["ServiceSpecificCredential"]
    reset = iam.reset_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"]
    )["ServiceSpecificCredential"]
    assert reset["ServiceCredentialSecret"] != made["ServiceCredentialSecret"]
    assert reset["ServiceCredentialSecret"].startswith("ABSK")


def test_an_expired_api_key_says_so() -> None:
    made = datetime(2026, 1, 1, tzinfo=UTC)
    key = ServiceSpecificCredential(
        "ACCA1",
        ACCOUNT_ID,
        "AIDA1",
        "bedrock.amazonaws.com",
        "u-at-1",
        "k",
        "Active",
        made,
        made + timedelta(days=1),
    )
    assert credential_status(key, made + timedelta(days=1) - timedelta(seconds=1)) == "Active"
    assert credential_status(key, made + timedelta(days=1)) == "Expired"
