"""The enforcement matrix for server certificates, run as in ``test_enforcement_more``
(``run_case``): each operation is allowed by exactly its action on certificates under /allowed/,
and denied with AWS's message on one outside it (a missing one is judged by the path-less ARN its
name would have) and in a session allowed every other action. ListServerCertificates has no
resource type: it is allowed on ``*``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from server_cert_helpers import bundle
from test_enforcement_more import ALLOWED, Case, Names, arn, run_case

from harness import Server

TAGS = [{"Key": "team", "Value": "a"}]


def _upload(client: Any, name: str, path: str = ALLOWED) -> Any:
    made = bundle()
    return client.upload_server_certificate(
        ServerCertificateName=name, Path=path, CertificateBody=made.body, PrivateKey=made.key
    )


def _with_certificate(root: Any, n: Names) -> None:
    _upload(root, n.name)


def _on_certificate(
    action: str, call: str, setup: Callable[[Any, Names], Any] = _with_certificate, **params: Any
) -> Case:
    def named(attr: str) -> Callable[[Any, Names], Any]:
        def invoke(client: Any, n: Names) -> Any:
            extra = {k: (v(n) if callable(v) else v) for k, v in params.items()}
            return getattr(client, call)(ServerCertificateName=getattr(n, attr), **extra)

        return invoke

    return Case(
        action,
        setup,
        named("name"),
        lambda n: arn("server-certificate", n.name, ALLOWED),
        named("other"),
        lambda n: arn("server-certificate", n.other),
        scope=(arn("server-certificate", "*", ALLOWED),),
    )


CERTIFICATE_CASES: dict[str, Case] = {
    "UploadServerCertificate": Case(
        "iam:UploadServerCertificate",
        lambda root, n: None,
        lambda c, n: _upload(c, n.name),
        lambda n: arn("server-certificate", n.name, ALLOWED),
        lambda c, n: _upload(c, n.other, "/"),
        lambda n: arn("server-certificate", n.other),
        scope=(arn("server-certificate", "*", ALLOWED),),
    ),
    "GetServerCertificate": _on_certificate("iam:GetServerCertificate", "get_server_certificate"),
    "ListServerCertificates": Case(
        "iam:ListServerCertificates",
        lambda root, n: None,
        lambda c, n: c.list_server_certificates(),
        lambda n: "*",
        scope=("*",),
    ),
    "UpdateServerCertificate": _on_certificate(
        "iam:UpdateServerCertificate",
        "update_server_certificate",
        NewServerCertificateName=lambda n: f"{n.name}-renamed",
    ),
    "DeleteServerCertificate": _on_certificate(
        "iam:DeleteServerCertificate", "delete_server_certificate"
    ),
    "TagServerCertificate": _on_certificate(
        "iam:TagServerCertificate", "tag_server_certificate", Tags=TAGS
    ),
    "UntagServerCertificate": _on_certificate(
        "iam:UntagServerCertificate", "untag_server_certificate", TagKeys=["team"]
    ),
    "ListServerCertificateTags": _on_certificate(
        "iam:ListServerCertificateTags", "list_server_certificate_tags"
    ),
}


@pytest.mark.parametrize("operation", sorted(CERTIFICATE_CASES))
def test_allowed_and_denied(operation: str, server: Server) -> None:
    run_case(CERTIFICATE_CASES[operation], server)
