"""Server certificates end to end on SQLite and PostgreSQL: upload (with path, chain and tags),
get, list by path prefix and page, rename, tags, delete, GetAccountSummary's count; every bad
certificate, key and chain with AWS's code, status and message, and that it stored nothing; the
account quota. Each test has an account of its own."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from account_helpers import Account, new_account, set_quota
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from policy_helpers import fails
from server_cert_helpers import bundle, ec_key, issue, key_pem, pem
from test_user_races import _race

from harness import Server


@pytest.fixture
def account(server: Server) -> Account:
    return new_account(server)


def _names(iam: Any, **kw: Any) -> list[str]:
    listed = iam.list_server_certificates(**kw)["ServerCertificateMetadataList"]
    return [m["ServerCertificateName"] for m in listed]


def test_lifecycle(account: Account) -> None:
    iam, acct = account.iam, account.account_id
    made = bundle()
    up = iam.upload_server_certificate(
        ServerCertificateName="web",
        Path="/prod/",
        CertificateBody=made.body,
        PrivateKey=made.key,
        CertificateChain=made.chain,
        Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}],
    )
    meta = up["ServerCertificateMetadata"]
    cert_id = meta["ServerCertificateId"]
    assert cert_id.startswith("ASCA") and len(cert_id) == 21 and cert_id.isalnum()
    assert meta["Arn"] == f"arn:aws:iam::{acct}:server-certificate/prod/web"
    assert (meta["Path"], meta["ServerCertificateName"]) == ("/prod/", "web")
    assert meta["Expiration"] == made.expiration.replace(microsecond=0)
    assert abs(meta["UploadDate"] - datetime.now(UTC)) < timedelta(minutes=5)
    assert up["Tags"] == [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}]

    got = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert got["ServerCertificateMetadata"] == meta
    assert (got["CertificateBody"], got["CertificateChain"]) == (made.body, made.chain)
    assert "PrivateKey" not in got and len(got["Tags"]) == 2

    plain = bundle()
    iam.upload_server_certificate(
        ServerCertificateName="api", CertificateBody=plain.body, PrivateKey=plain.key
    )
    got = iam.get_server_certificate(ServerCertificateName="api")["ServerCertificate"]
    assert "CertificateChain" not in got and "Tags" not in got
    assert got["ServerCertificateMetadata"]["Path"] == "/"
    assert _names(iam) == ["api", "web"]
    assert _names(iam, PathPrefix="/prod") == ["web"]
    first = iam.list_server_certificates(MaxItems=1)
    assert first["IsTruncated"] is True and len(first["ServerCertificateMetadataList"]) == 1
    rest = iam.list_server_certificates(Marker=first["Marker"])
    assert [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]] == ["web"]
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 2

    iam.update_server_certificate(
        ServerCertificateName="web", NewServerCertificateName="www", NewPath="/live/"
    )
    renamed = iam.get_server_certificate(ServerCertificateName="www")["ServerCertificate"]
    assert renamed["ServerCertificateMetadata"]["Arn"] == (
        f"arn:aws:iam::{acct}:server-certificate/live/www"
    )
    assert renamed["ServerCertificateMetadata"]["ServerCertificateId"] == cert_id
    assert fails(iam.get_server_certificate, ServerCertificateName="web") == (
        "NoSuchEntity",
        404,
        "The Server Certificate with name web cannot be found.",
    )
    assert fails(
        iam.update_server_certificate, ServerCertificateName="www", NewServerCertificateName="api"
    ) == ("EntityAlreadyExists", 409, "The Server Certificate with name api already exists.")

    iam.tag_server_certificate(ServerCertificateName="www", Tags=[{"Key": "ENV", "Value": "p2"}])
    iam.untag_server_certificate(ServerCertificateName="www", TagKeys=["team"])
    assert iam.list_server_certificate_tags(ServerCertificateName="www")["Tags"] == [
        {"Key": "ENV", "Value": "p2"}
    ]
    iam.delete_server_certificate(ServerCertificateName="www")
    iam.delete_server_certificate(ServerCertificateName="api")
    assert _names(iam) == []
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 0


MALFORMED = "Unable to parse certificate. Please ensure the certificate is in PEM format."


def _chain_error(index: int) -> tuple[str, int, str]:
    return (
        "MalformedCertificate",
        400,
        "Unable to validate certificate chain. The certificate chain must start with the "
        "immediate signing certificate, followed by any intermediaries in order. The index "
        f"within the chain of the invalid certificate is: {index}",
    )


def test_bad_uploads(account: Account) -> None:
    iam = account.iam
    made = bundle()
    now = datetime.now(UTC)
    key = ec_key()
    expired = pem(
        issue(key, "old", not_before=now - timedelta(days=9), not_after=now - timedelta(days=1))
    )
    early = pem(
        issue(key, "new", not_before=now + timedelta(days=1), not_after=now + timedelta(days=9))
    )
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unsupported: list[Any] = [  # keys of types IAM refuses (issue() signs with them anyway)
        ec.generate_private_key(ec.SECP256K1()),
        ed25519.Ed25519PrivateKey.generate(),
    ]
    cases: list[tuple[dict[str, str], tuple[str, int, str]]] = [
        ({"CertificateBody": "not a certificate"}, ("MalformedCertificate", 400, MALFORMED)),
        (
            {"CertificateBody": made.body + made.intermediate},
            ("MalformedCertificate", 400, MALFORMED),
        ),
        (
            {"CertificateBody": expired, "PrivateKey": key_pem(key)},
            ("MalformedCertificate", 400, "The certificate is expired or not yet valid."),
        ),
        (
            {"CertificateBody": early, "PrivateKey": key_pem(key)},
            ("MalformedCertificate", 400, "The certificate is expired or not yet valid."),
        ),
        (
            {"PrivateKey": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"},
            (
                "MalformedCertificate",
                400,
                "Unable to parse private key. Please ensure the private key is in PEM format.",
            ),
        ),
        (
            {"PrivateKey": key_pem(ec_key(), password=b"secret")},
            ("MalformedCertificate", 400, "The private key must not be encrypted."),
        ),
        (
            {"PrivateKey": key_pem(ec_key())},
            (
                "KeyPairMismatch",
                400,
                "Unable to validate certificate and private key. "
                "Please ensure the private key matches the certificate.",
            ),
        ),
        (
            {"PrivateKey": key_pem(rsa_key)},
            (
                "KeyPairMismatch",
                400,
                "Unable to validate certificate and private key. "
                "Please ensure the private key matches the certificate.",
            ),
        ),
        ({"CertificateChain": made.root + made.intermediate}, _chain_error(-1)),
        ({"CertificateChain": made.intermediate + bundle().root}, _chain_error(0)),
        ({"CertificateChain": "garbage"}, _chain_error(-1)),
    ]
    signer = ec_key()
    root = issue(signer, "other root")
    for odd in unsupported:
        body = pem(issue(odd, "odd", (root, signer)))
        answer = ("MalformedCertificate", 400, "The private key type or size is not supported.")
        cases.append(({"CertificateBody": body, "PrivateKey": key_pem(odd)}, answer))
    for override, answer in cases:
        params = {
            "ServerCertificateName": "bad",
            "CertificateBody": made.body,
            "PrivateKey": made.key,
            "CertificateChain": made.chain,
            **override,
        }
        assert fails(iam.upload_server_certificate, **params) == answer, override
    assert _names(iam) == []


def test_rsa_keys_and_name_rules(account: Account) -> None:
    """RSA leaves are accepted (1024 bits is AWS's smallest); a name is taken once per account,
    in any path; a missing certificate is NoSuchEntity for every operation."""
    iam = account.iam
    made = bundle(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    iam.upload_server_certificate(
        ServerCertificateName="rsa", CertificateBody=made.body, PrivateKey=made.key
    )
    again = bundle()
    assert fails(
        iam.upload_server_certificate,
        ServerCertificateName="rsa",
        Path="/elsewhere/",
        CertificateBody=again.body,
        PrivateKey=again.key,
    ) == ("EntityAlreadyExists", 409, "The Server Certificate with name rsa already exists.")
    missing = ("NoSuchEntity", 404, "The Server Certificate with name nope cannot be found.")
    for call, extra in (
        (iam.get_server_certificate, {}),
        (iam.update_server_certificate, {"NewPath": "/x/"}),
        (iam.delete_server_certificate, {}),
        (iam.tag_server_certificate, {"Tags": [{"Key": "k", "Value": "v"}]}),
        (iam.untag_server_certificate, {"TagKeys": ["k"]}),
        (iam.list_server_certificate_tags, {}),
    ):
        assert fails(call, ServerCertificateName="nope", **extra) == missing
    assert _names(iam) == ["rsa"]


def test_account_quota(server: Server, account: Account) -> None:
    """At most ServerCertificatesQuota per account (AWS's 20 unless the account's quota says
    otherwise)."""
    set_quota(server, account.account_id, "ServerCertificatesQuota", 1)
    iam = account.iam
    for name, answer in (("one", None), ("two", "limit")):
        made = bundle()
        params = {
            "ServerCertificateName": name,
            "CertificateBody": made.body,
            "PrivateKey": made.key,
        }
        if answer is None:
            iam.upload_server_certificate(**params)
        else:
            assert fails(iam.upload_server_certificate, **params) == (
                "LimitExceeded",
                409,
                "Cannot exceed quota for ServerCertificatesPerAccount: 1",
            )
    assert _names(iam) == ["one"]


def test_races_keep_the_quota_and_the_names(server: Server, account: Account) -> None:
    """Concurrent uploads never pass the account's quota, and of concurrent uploads or renames
    to one name exactly one wins (the account's row lock decides, on both backends)."""
    set_quota(server, account.account_id, "ServerCertificatesQuota", 2)
    clients = [server.client("iam", account.key_id, account.secret) for _ in range(3)]
    made = [bundle() for _ in clients]
    outcomes = _race(
        [
            functools.partial(
                c.upload_server_certificate,
                ServerCertificateName="same",
                CertificateBody=m.body,
                PrivateKey=m.key,
            )
            for c, m in zip(clients, made, strict=True)
        ]
    )
    assert sorted(outcomes) == ["EntityAlreadyExists", "EntityAlreadyExists", "ok"]
    made = [bundle() for _ in clients]
    outcomes = _race(
        [
            functools.partial(
                c.upload_server_certificate,
                ServerCertificateName=f"n{i}",
                CertificateBody=m.body,
                PrivateKey=m.key,
            )
            for i, (c, m) in enumerate(zip(clients, made, strict=True))
        ]
    )
    assert sorted(outcomes) == ["LimitExceeded", "LimitExceeded", "ok"]
    [second] = [n for n in _names(account.iam) if n != "same"]
    outcomes = _race(
        [
            functools.partial(
                c.update_server_certificate,
                ServerCertificateName=old,
                NewServerCertificateName="target",
            )
            for c, old in zip(clients, ("same", second), strict=False)
        ]
    )
    assert sorted(outcomes) == ["EntityAlreadyExists", "ok"]
    names = _names(account.iam)
    assert "target" in names and len(names) == 2


def test_aws_cli_uploads_from_files(server: Server, account: Account, tmp_path: Path) -> None:
    """``aws iam upload-server-certificate`` with ``file://`` arguments, as AWS's page shows it;
    the CLI's listing reads what boto3 reads."""
    made = bundle()
    for name, text in (("cert.pem", made.body), ("key.pem", made.key), ("chain.pem", made.chain)):
        (tmp_path / name).write_text(text)
    keys = {"key_id": account.key_id, "secret": account.secret}
    meta = server.aws_json(
        "iam",
        "upload-server-certificate",
        "--server-certificate-name",
        "cli",
        "--certificate-body",
        f"file://{tmp_path / 'cert.pem'}",
        "--private-key",
        f"file://{tmp_path / 'key.pem'}",
        "--certificate-chain",
        f"file://{tmp_path / 'chain.pem'}",
        **keys,
    )["ServerCertificateMetadata"]
    assert meta["ServerCertificateName"] == "cli" and meta["ServerCertificateId"].startswith("ASCA")
    listed = server.aws_json("iam", "list-server-certificates", **keys)
    assert [m["ServerCertificateName"] for m in listed["ServerCertificateMetadataList"]] == ["cli"]
    got = server.aws_json(
        "iam", "get-server-certificate", "--server-certificate-name", "cli", **keys
    )["ServerCertificate"]
    assert (got["CertificateBody"], got["CertificateChain"]) == (made.body, made.chain)
