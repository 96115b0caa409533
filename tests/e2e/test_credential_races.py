"""Concurrent requests on one user's credentials: the limits and the uniqueness AWS promises hold
on SQLite and PostgreSQL (the user's row lock, or a unique index across users, decides), and a
user is never deleted from under a new credential."""

from __future__ import annotations

from typing import Any

from credential_helpers import STRONG_PASSWORD, certificate_pem, openssh, rsa_public_key
from test_user_races import _race

from harness import Server


def test_one_login_profile_per_user(server: Server, iam: Any, unique: Any) -> None:
    name = unique("racer")
    iam.create_user(UserName=name)
    clients = [server.client("iam") for _ in range(3)]
    outcomes = _race(
        [
            lambda c=c: c.create_login_profile(UserName=name, Password=STRONG_PASSWORD)
            for c in clients
        ]
    )
    assert sorted(outcomes) == ["EntityAlreadyExists", "EntityAlreadyExists", "ok"]


def test_ssh_keys_never_pass_five(server: Server, iam: Any, unique: Any) -> None:
    name = unique("racer")
    iam.create_user(UserName=name)
    for _ in range(4):
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=openssh(rsa_public_key()))
    bodies = [openssh(rsa_public_key()) for _ in range(3)]
    clients = [server.client("iam") for _ in bodies]
    outcomes = _race(
        [
            lambda c=c, b=b: c.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=b)
            for c, b in zip(clients, bodies, strict=True)
        ]
    )
    assert sorted(outcomes) == ["LimitExceeded", "LimitExceeded", "ok"]
    assert len(iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]) == 5


def test_one_certificate_per_account_across_users(server: Server, iam: Any, unique: Any) -> None:
    names = [unique("racer") for _ in range(3)]
    for name in names:
        iam.create_user(UserName=name)
    body = certificate_pem()
    clients = [server.client("iam") for _ in names]
    outcomes = _race(
        [
            lambda c=c, n=n: c.upload_signing_certificate(UserName=n, CertificateBody=body)
            for c, n in zip(clients, names, strict=True)
        ]
    )
    assert sorted(outcomes) == ["DuplicateCertificate", "DuplicateCertificate", "ok"]
    held = [len(iam.list_signing_certificates(UserName=n)["Certificates"]) for n in names]
    assert sorted(held) == [0, 0, 1]


def test_two_service_credentials_per_service(server: Server, iam: Any, unique: Any) -> None:
    name = unique("racer")
    iam.create_user(UserName=name)
    clients = [server.client("iam") for _ in range(3)]
    outcomes = _race(
        [
            lambda c=c: c.create_service_specific_credential(
                UserName=name, ServiceName="codecommit.amazonaws.com"
            )
            for c in clients
        ]
    )
    assert sorted(outcomes) == ["LimitExceeded", "ok", "ok"]
    listed = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    assert sorted(c["ServiceUserName"].split("-at-")[0] for c in listed) == [name, f"{name}+1"]


def test_delete_user_against_a_new_password(server: Server, iam: Any, unique: Any) -> None:
    """Either the password comes first (DeleteUser refuses) or the deletion does (the create
    finds no user): never a password without its user."""
    name = unique("racer")
    iam.create_user(UserName=name)
    creator, deleter = server.client("iam"), server.client("iam")
    outcomes = _race(
        [
            lambda: creator.create_login_profile(UserName=name, Password=STRONG_PASSWORD),
            lambda: deleter.delete_user(UserName=name),
        ]
    )
    assert outcomes in (["ok", "DeleteConflict"], ["NoSuchEntity", "ok"])
    if outcomes[0] == "ok":
        assert iam.get_login_profile(UserName=name)["LoginProfile"]["UserName"] == name
    else:
        assert all(u["UserName"] != name for u in _all_users(iam))


def _all_users(iam: Any) -> list[dict[str, Any]]:
    return [u for page in iam.get_paginator("list_users").paginate() for u in page["Users"]]
