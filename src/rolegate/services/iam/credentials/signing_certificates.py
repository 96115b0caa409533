"""X.509 signing certificates of IAM users and of the root user: UploadSigningCertificate,
ListSigningCertificates, UpdateSigningCertificate, DeleteSigningCertificate
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSigningCertificate.html).

Without ``UserName`` these act on the caller's own certificates (the root user's when the root
user calls), as the access key operations do. A user holds at most two
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); one certificate is
uploaded once per account (DuplicateCertificate). The certificate is parsed with ``cryptography``:
what is not one PEM certificate is MalformedCertificate, one outside its validity period is
InvalidCertificate.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from rolegate.catalog.quotas import SIGNING_CERTIFICATES_PER_USER
from rolegate.domain.arn import root_arn
from rolegate.domain.credentials import SigningCertificate
from rolegate.domain.entities import User
from rolegate.domain.errors import (
    DuplicateCertificate,
    InvalidCertificate,
    MalformedCertificate,
    NoSuchEntity,
)
from rolegate.domain.ids import signing_certificate_id
from rolegate.services._pagination import page_by_position
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_quota
from rolegate.services.iam.credentials._owned import insert_with_fresh_id
from rolegate.services.iam.users import load_user, lock_user, target_user_name
from rolegate.store import Conflict

# AWS's answer to a body that is not a PEM certificate (as UploadServerCertificate words it).
MALFORMED = "Unable to parse certificate. Please ensure the certificate is in PEM format."
NOT_VALID_NOW = "The certificate is expired or not yet valid."  # unverified wording
DUPLICATE = (
    "The same certificate is already associated with an IAM user in this account."  # unverified
)


def _owner(ctx: OperationContext, params: Params, action: str) -> User | None:
    """The user whose certificates are meant, once the caller may perform ``action`` on it;
    None is the root user (its own certificates, decided on its ARN)."""
    name = target_user_name(ctx, params)
    if name is None:
        ctx.authorize(action, root_arn(ctx.account_id))
        return None
    return load_user(ctx, name, action)


def _owned(ctx: OperationContext, params: Params, action: str) -> SigningCertificate:
    owner = _owner(ctx, params, action)
    cert = ctx.tx.signing_certificates.get(params["CertificateId"])
    owner_id = owner.user_id if owner is not None else None
    if cert is None or cert.account_id != ctx.account_id or cert.user_id != owner_id:
        raise NoSuchEntity(f"The Certificate with id {params['CertificateId']} cannot be found.")
    return cert


def _der_digest(body: str, now: datetime) -> str:
    try:
        certificate = x509.load_pem_x509_certificate(body.strip().encode("latin-1"))
    except ValueError:
        raise MalformedCertificate(MALFORMED) from None
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise InvalidCertificate(NOT_VALID_NOW)
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _to_wire(owner: User | None, cert: SigningCertificate) -> dict[str, Any]:
    """The ``SigningCertificate`` shape; the root user's carry no UserName (unverified)."""
    out: dict[str, Any] = {
        "CertificateId": cert.certificate_id,
        "CertificateBody": cert.body,
        "Status": cert.status,
        "UploadDate": cert.upload_date,
    }
    if owner is not None:
        out = {"UserName": owner.user_name, **out}
    return out


def upload_signing_certificate(ctx: OperationContext, params: Params) -> Result:
    owner = _owner(ctx, params, "iam:UploadSigningCertificate")
    if owner is not None:
        owner = lock_user(ctx, owner)  # two concurrent uploads must not make three
    else:
        ctx.tx.account_settings.lock_account(ctx.account_id)
    owner_id = owner.user_id if owner is not None else None
    body = params["CertificateBody"]
    digest = _der_digest(body, ctx.now)
    if ctx.tx.signing_certificates.find(ctx.account_id, digest) is not None:
        raise DuplicateCertificate(DUPLICATE)
    existing = ctx.tx.signing_certificates.list_for(ctx.account_id, owner_id)
    check_quota(ctx, SIGNING_CERTIFICATES_PER_USER, len(existing))

    def insert(cert: SigningCertificate) -> None:
        try:
            ctx.tx.signing_certificates.create(cert)
        except Conflict:
            # Another user's upload of the same certificate committed first, or the id was drawn
            # twice (then try again).
            if ctx.tx.signing_certificates.find(ctx.account_id, digest) is not None:
                raise DuplicateCertificate(DUPLICATE) from None
            raise

    cert = insert_with_fresh_id(
        lambda: SigningCertificate(
            certificate_id=signing_certificate_id(ctx.rng),
            account_id=ctx.account_id,
            user_id=owner_id,
            body=body,
            der_sha256=digest,
            status="Active",
            upload_date=ctx.now,
        ),
        insert,
    )
    return {"Certificate": _to_wire(owner, cert)}


def list_signing_certificates(ctx: OperationContext, params: Params) -> Result:
    owner = _owner(ctx, params, "iam:ListSigningCertificates")
    certs = ctx.tx.signing_certificates.list_for(
        ctx.account_id, owner.user_id if owner is not None else None
    )
    return page_by_position([_to_wire(owner, c) for c in certs], "Certificates", params)


def update_signing_certificate(ctx: OperationContext, params: Params) -> Result:
    cert = _owned(ctx, params, "iam:UpdateSigningCertificate")
    ctx.tx.signing_certificates.set_status(cert.certificate_id, params["Status"])
    return {}


def delete_signing_certificate(ctx: OperationContext, params: Params) -> Result:
    cert = _owned(ctx, params, "iam:DeleteSigningCertificate")
    ctx.tx.signing_certificates.delete(cert.certificate_id)
    return {}


HANDLERS: dict[str, Handler] = {
    "UploadSigningCertificate": upload_signing_certificate,
    "ListSigningCertificates": list_signing_certificates,
    "UpdateSigningCertificate": update_signing_certificate,
    "DeleteSigningCertificate": delete_signing_certificate,
}
