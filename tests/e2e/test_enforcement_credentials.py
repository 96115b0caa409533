"""The enforcement matrix for a user's credentials other than access keys: login profiles, SSH
public keys, signing certificates and service-specific credentials. Each case runs as in
``test_enforcement_more`` (``run_case``): allowed by exactly its action on users under
/allowed/, denied with AWS's message on a user outside it and in a session allowed every other
action. ChangePassword is the calling user's own: its allowed and denied calls are in
``test_login_profiles.py`` (``test_change_password_needs_permission_or_the_account_setting``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from credential_helpers import STRONG_PASSWORD, certificate_pem, openssh, rsa_public_key
from test_enforcement_more import ALLOWED, Case, Names, arn, run_case

from harness import Server

CODECOMMIT = "codecommit.amazonaws.com"


def _user(root: Any, n: Names) -> None:
    root.create_user(UserName=n.name, Path=ALLOWED)


def _with_profile(root: Any, n: Names) -> None:
    _user(root, n)
    root.create_login_profile(UserName=n.name, Password=STRONG_PASSWORD)


def _with_ssh_key(root: Any, n: Names) -> None:
    _user(root, n)
    key = root.upload_ssh_public_key(UserName=n.name, SSHPublicKeyBody=openssh(rsa_public_key()))
    n.found["key"] = key["SSHPublicKey"]["SSHPublicKeyId"]


def _with_certificate(root: Any, n: Names) -> None:
    _user(root, n)
    cert = root.upload_signing_certificate(UserName=n.name, CertificateBody=certificate_pem())
    n.found["cert"] = cert["Certificate"]["CertificateId"]


def _with_credential(root: Any, n: Names) -> None:
    _user(root, n)
    made = root.create_service_specific_credential(UserName=n.name, ServiceName=CODECOMMIT)
    n.found["cred"] = made["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]


def _on_user(action: str, setup: Callable[[Any, Names], Any], call: str, **params: Any) -> Case:
    """A case whose resource is the user: allowed on /allowed/NAME, denied on /OTHER. Parameter
    values that are callables are read from the names (ids made by setup)."""

    def named(attr: str) -> Callable[[Any, Names], Any]:
        def invoke(client: Any, n: Names) -> Any:
            extra = {k: (v(n) if callable(v) else v) for k, v in params.items()}
            return getattr(client, call)(UserName=getattr(n, attr), **extra)

        return invoke

    return Case(
        action,
        setup,
        named("name"),
        lambda n: arn("user", n.name, ALLOWED),
        named("other"),
        lambda n: arn("user", n.other),
    )


CREDENTIAL_CASES: dict[str, Case] = {
    # --- login profiles -------------------------------------------------------------------------
    "CreateLoginProfile": _on_user(
        "iam:CreateLoginProfile", _user, "create_login_profile", Password=STRONG_PASSWORD
    ),
    "GetLoginProfile": _on_user("iam:GetLoginProfile", _with_profile, "get_login_profile"),
    "UpdateLoginProfile": _on_user(
        "iam:UpdateLoginProfile", _with_profile, "update_login_profile", PasswordResetRequired=True
    ),
    "DeleteLoginProfile": _on_user("iam:DeleteLoginProfile", _with_profile, "delete_login_profile"),
    # --- SSH public keys ------------------------------------------------------------------------
    "UploadSSHPublicKey": _on_user(
        "iam:UploadSSHPublicKey",
        _user,
        "upload_ssh_public_key",
        SSHPublicKeyBody=lambda n: openssh(rsa_public_key()),
    ),
    "GetSSHPublicKey": _on_user(
        "iam:GetSSHPublicKey",
        _with_ssh_key,
        "get_ssh_public_key",
        SSHPublicKeyId=lambda n: n.found["key"],
        Encoding="SSH",
    ),
    "ListSSHPublicKeys": _on_user("iam:ListSSHPublicKeys", _user, "list_ssh_public_keys"),
    "UpdateSSHPublicKey": _on_user(
        "iam:UpdateSSHPublicKey",
        _with_ssh_key,
        "update_ssh_public_key",
        SSHPublicKeyId=lambda n: n.found["key"],
        Status="Inactive",
    ),
    "DeleteSSHPublicKey": _on_user(
        "iam:DeleteSSHPublicKey",
        _with_ssh_key,
        "delete_ssh_public_key",
        SSHPublicKeyId=lambda n: n.found["key"],
    ),
    # --- signing certificates -------------------------------------------------------------------
    "UploadSigningCertificate": _on_user(
        "iam:UploadSigningCertificate",
        _user,
        "upload_signing_certificate",
        CertificateBody=lambda n: certificate_pem(),
    ),
    "ListSigningCertificates": _on_user(
        "iam:ListSigningCertificates", _user, "list_signing_certificates"
    ),
    "UpdateSigningCertificate": _on_user(
        "iam:UpdateSigningCertificate",
        _with_certificate,
        "update_signing_certificate",
        CertificateId=lambda n: n.found["cert"],
        Status="Inactive",
    ),
    "DeleteSigningCertificate": _on_user(
        "iam:DeleteSigningCertificate",
        _with_certificate,
        "delete_signing_certificate",
        CertificateId=lambda n: n.found["cert"],
    ),
    # --- service-specific credentials -----------------------------------------------------------
    "CreateServiceSpecificCredential": _on_user(
        "iam:CreateServiceSpecificCredential",
        _user,
        "create_service_specific_credential",
        ServiceName=CODECOMMIT,
    ),
    "ListServiceSpecificCredentials": _on_user(
        "iam:ListServiceSpecificCredentials", _user, "list_service_specific_credentials"
    ),
    "ResetServiceSpecificCredential": _on_user(
        "iam:ResetServiceSpecificCredential",
        _with_credential,
        "reset_service_specific_credential",
        ServiceSpecificCredentialId=lambda n: n.found["cred"],
    ),
    "UpdateServiceSpecificCredential": _on_user(
        "iam:UpdateServiceSpecificCredential",
        _with_credential,
        "update_service_specific_credential",
        ServiceSpecificCredentialId=lambda n: n.found["cred"],
        Status="Inactive",
    ),
    "DeleteServiceSpecificCredential": _on_user(
        "iam:DeleteServiceSpecificCredential",
        _with_credential,
        "delete_service_specific_credential",
        ServiceSpecificCredentialId=lambda n: n.found["cred"],
    ),
}


def _account_wide(action: str, call: Callable[[Any, Names], Any]) -> Case:
    """Actions with no resource type: the statement allows ``*``, the denial names none."""
    return Case(action, lambda root, n: None, call, lambda n: "*", scope=("*",))


CREDENTIAL_CASES.update(
    {
        "GenerateCredentialReport": _account_wide(
            "iam:GenerateCredentialReport", lambda c, n: c.generate_credential_report()
        ),
        "GetCredentialReport": Case(
            "iam:GetCredentialReport",
            lambda root, n: root.generate_credential_report(),
            lambda c, n: c.get_credential_report(),
            lambda n: "*",
            scope=("*",),
        ),
    }
)

# Checked elsewhere, with a user's own keys (role sessions cannot change a password).
COVERED_ELSEWHERE = {"ChangePassword": "test_login_profiles.py"}


@pytest.mark.parametrize("operation", sorted(CREDENTIAL_CASES))
def test_allowed_and_denied(operation: str, server: Server) -> None:
    run_case(CREDENTIAL_CASES[operation], server)
