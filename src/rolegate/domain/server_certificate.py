"""Server certificates: an X.509 certificate with its private key and optional chain, uploaded for
services that terminate TLS
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html).

Identified by name within the account (``arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME``) and
by an ``ASCA…`` id. The private key is kept sealed at rest and never returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.arn import iam_arn
from rolegate.domain.entities import Tag


def server_certificate_arn(account_id: str, path: str, name: str) -> str:
    return iam_arn(account_id, "server-certificate", path, name)


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    server_certificate_id: str  # ASCA + 17 characters
    account_id: str
    server_certificate_name: str
    path: str
    arn: str
    certificate_body: str  # the PEM as uploaded
    certificate_chain: str | None
    private_key: str  # sealed at rest; never answered
    upload_date: datetime
    expiration: datetime  # the certificate's notAfter
    tags: tuple[Tag, ...] = ()
