"""Server certificates: UploadServerCertificate, GetServerCertificate, ListServerCertificates,
UpdateServerCertificate, DeleteServerCertificate
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html); their tags
are ``tagging``'s.

An account holds at most 20 unless its quota says otherwise (``ServerCertificatesPerAccount``,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Names are unique in
the account; Upload and Update claim a name under the account's lock, so concurrent calls cannot
both take it. The private key is checked (``pem_checks``), sealed by the store and never answered.
"""

from __future__ import annotations

from typing import Any

from rolegate.catalog.quotas import SERVER_CERTIFICATES
from rolegate.domain.errors import EntityAlreadyExists, NoSuchEntity
from rolegate.domain.ids import IdPrefix, unique_id
from rolegate.domain.server_certificate import ServerCertificate, server_certificate_arn
from rolegate.services._pagination import page_by_position
from rolegate.services._tags import tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_account_quota
from rolegate.services.iam.certificates.pem_checks import check_upload
from rolegate.services.iam.credentials._owned import insert_with_fresh_id
from rolegate.store import Conflict


def _exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"The Server Certificate with name {name} already exists.")


def load_server_certificate(ctx: OperationContext, name: str, action: str) -> ServerCertificate:
    """The certificate, once the caller may perform ``action`` on it (a missing one is judged by
    the path-less ARN its name would have, so AccessDenied comes before NoSuchEntity)."""
    cert = ctx.tx.server_certificates.get(ctx.account_id, name)
    ctx.authorize(action, cert.arn if cert else server_certificate_arn(ctx.account_id, "/", name))
    if cert is None:
        raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")
    return cert


def _metadata(cert: ServerCertificate) -> dict[str, Any]:
    """The ``ServerCertificateMetadata`` shape."""
    return {
        "Path": cert.path,
        "ServerCertificateName": cert.server_certificate_name,
        "ServerCertificateId": cert.server_certificate_id,
        "Arn": cert.arn,
        "UploadDate": cert.upload_date,
        "Expiration": cert.expiration,
    }


def upload_server_certificate(ctx: OperationContext, params: Params) -> Result:
    name = params["ServerCertificateName"]
    path = params.get("Path") or "/"
    arn = server_certificate_arn(ctx.account_id, path, name)
    ctx.authorize("iam:UploadServerCertificate", arn)
    tags = tags_from_params(params.get("Tags"))
    checked = check_upload(
        params["CertificateBody"], params["PrivateKey"], params.get("CertificateChain"), ctx.now
    )
    check_account_quota(ctx, SERVER_CERTIFICATES, ctx.tx.server_certificates.count)
    if ctx.tx.server_certificates.get(ctx.account_id, name) is not None:
        raise _exists(name)

    def insert(cert: ServerCertificate) -> None:
        try:
            ctx.tx.server_certificates.create(cert)
        except Conflict:
            if ctx.tx.server_certificates.get(ctx.account_id, name) is not None:
                raise _exists(name) from None
            raise  # the id was drawn twice: draw again

    cert = insert_with_fresh_id(
        lambda: ServerCertificate(
            server_certificate_id=unique_id(IdPrefix.SERVER_CERTIFICATE, ctx.rng),
            account_id=ctx.account_id,
            server_certificate_name=name,
            path=path,
            arn=arn,
            certificate_body=params["CertificateBody"],
            certificate_chain=params.get("CertificateChain"),
            private_key=params["PrivateKey"],
            upload_date=ctx.now,
            expiration=checked.expiration,
            tags=tuple(tags),
        ),
        insert,
    )
    out: dict[str, Any] = {"ServerCertificateMetadata": _metadata(cert)}
    if cert.tags:
        out["Tags"] = tags_to_wire(cert.tags)
    return out


def get_server_certificate(ctx: OperationContext, params: Params) -> Result:
    cert = load_server_certificate(ctx, params["ServerCertificateName"], "iam:GetServerCertificate")
    out: dict[str, Any] = {
        "ServerCertificateMetadata": _metadata(cert),
        "CertificateBody": cert.certificate_body,
    }
    if cert.certificate_chain is not None:
        out["CertificateChain"] = cert.certificate_chain
    if cert.tags:
        out["Tags"] = tags_to_wire(cert.tags)
    return {"ServerCertificate": out}


def list_server_certificates(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:ListServerCertificates", "*")
    certs = ctx.tx.server_certificates.list(ctx.account_id, params.get("PathPrefix") or "/")
    return page_by_position([_metadata(c) for c in certs], "ServerCertificateMetadataList", params)


def update_server_certificate(ctx: OperationContext, params: Params) -> Result:
    """A new name and/or path; the caller needs the action on both the old and the new ARN
    (API_UpdateServerCertificate)."""
    ctx.tx.account_settings.lock_account(ctx.account_id)  # renames take turns
    cert = load_server_certificate(
        ctx, params["ServerCertificateName"], "iam:UpdateServerCertificate"
    )
    name = params.get("NewServerCertificateName") or cert.server_certificate_name
    path = params.get("NewPath") or cert.path
    arn = server_certificate_arn(ctx.account_id, path, name)
    if arn != cert.arn:
        ctx.authorize("iam:UpdateServerCertificate", arn)
    taken = name != cert.server_certificate_name and ctx.tx.server_certificates.get(
        ctx.account_id, name
    )
    if taken:
        raise _exists(name)
    ctx.tx.server_certificates.rename(cert.server_certificate_id, name, path, arn)
    return {}


def delete_server_certificate(ctx: OperationContext, params: Params) -> Result:
    cert = load_server_certificate(
        ctx, params["ServerCertificateName"], "iam:DeleteServerCertificate"
    )
    ctx.tx.server_certificates.delete(cert.server_certificate_id)
    return {}


HANDLERS: dict[str, Handler] = {
    "UploadServerCertificate": upload_server_certificate,
    "GetServerCertificate": get_server_certificate,
    "ListServerCertificates": list_server_certificates,
    "UpdateServerCertificate": update_server_certificate,
    "DeleteServerCertificate": delete_server_certificate,
}
