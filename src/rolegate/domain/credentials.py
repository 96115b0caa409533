"""A user's other credentials: the console password (login profile), SSH public keys, X.509
signing certificates and service-specific credentials
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_ssh-keys.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html).

Each belongs to a user by unique id, so a renamed user keeps them; signing certificates may also
belong to the root user (``user_id`` None), as access keys do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LoginProfile:
    account_id: str
    user_id: str
    password_hash: str  # a password KDF's encoded hash (argon2id), never the password
    create_date: datetime
    password_changed: datetime  # when the password was last set (MaxPasswordAge counts from it)
    password_reset_required: bool = False
    max_signin_session_duration: int | None = None
    # The hashes of earlier passwords, newest first, for PasswordReusePrevention (at most 24).
    previous_hashes: tuple[str, ...] = ()
    password_last_used: datetime | None = None
    # Wrong old passwords given to ChangePassword since the last right one, and until when it
    # refuses every attempt (services.iam.credentials.login_profiles).
    failed_changes: int = 0
    change_locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class SshPublicKey:
    ssh_public_key_id: str  # APKA + 16 characters
    account_id: str
    user_id: str
    body: str  # as uploaded (ssh-rsa or PEM)
    fingerprint: str  # MD5 of the key's SSH wire form, colon-separated hex
    status: str
    upload_date: datetime


@dataclass(frozen=True, slots=True)
class SigningCertificate:
    certificate_id: str
    account_id: str
    user_id: str | None  # None: the root user's
    body: str  # the PEM as uploaded
    der_sha256: str  # hex SHA-256 of the DER: one certificate is uploaded once per account
    status: str
    upload_date: datetime


@dataclass(frozen=True, slots=True)
class ServiceSpecificCredential:
    credential_id: str  # ACCA + 17 characters
    account_id: str
    user_id: str
    service_name: str
    # A user name and password (CodeCommit, Keyspaces), or an API key's alias and secret (Bedrock,
    # CloudWatch Logs)
    service_user_name: str
    service_password: str  # sealed at rest; shown only by Create and Reset
    status: str
    create_date: datetime
    expiration_date: datetime | None = None  # API keys made with CredentialAgeDays
