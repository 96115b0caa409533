"""Whose X-Forwarded-For / X-Forwarded-Proto count (issue 13, finding 5), both ways.

The headers are not signed: anyone can add them to a signed request. uvicorn used to trust them
from 127.0.0.1, so a plain local request claimed to come from 10.x over TLS. Now they count only
from the proxies ``--trusted-proxies`` names; by default ``aws:SourceIp`` is the socket's peer
and ``aws:SecureTransport`` is false on plain HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness import Server
from signing import Reply, send, signed

LIST_ROLES = {"Action": "ListRoles", "Version": "2010-05-08"}
# Added after signing, as a client (or anyone on the path) can.
FORGED = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
FROM_10_OVER_TLS = {
    "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
    "Bool": {"aws:SecureTransport": "true"},
}
FROM_LOOPBACK_IN_CLEAR = {
    "IpAddress": {"aws:SourceIp": "127.0.0.1/32"},
    "Bool": {"aws:SecureTransport": "false"},
}


def user_allowed(server: Server, name: str, condition: dict[str, Any]) -> tuple[str, str]:
    """A user allowed iam:ListRoles under ``condition``; its access key."""
    iam = server.client("iam")
    iam.create_user(UserName=name)
    statement = {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}
    iam.put_user_policy(
        UserName=name,
        PolicyName="conditional",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}
        ),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def list_roles_as(server: Server, key: tuple[str, str], extra: dict[str, str]) -> Reply:
    url, body, headers = signed(server.endpoint, LIST_ROLES, key_id=key[0], secret=key[1])
    return send(url, body=body, headers={**headers, **extra})


def outcome(reply: Reply) -> str:
    return "allowed" if reply.status == 200 else f"{reply.status} {reply.find('Code')}"


def test_without_trusted_proxies_forwarded_headers_change_nothing(
    start_server: Callable[..., Server],
) -> None:
    srv = start_server()
    remote_tls = user_allowed(srv, "remote-tls", FROM_10_OVER_TLS)
    local_clear = user_allowed(srv, "local-clear", FROM_LOOPBACK_IN_CLEAR)
    assert outcome(list_roles_as(srv, remote_tls, FORGED)) == "403 AccessDenied"
    assert outcome(list_roles_as(srv, local_clear, FORGED)) == "allowed"
    assert outcome(list_roles_as(srv, local_clear, {})) == "allowed"


def test_a_trusted_proxy_says_who_the_client_is(start_server: Callable[..., Server]) -> None:
    srv = start_server(args=("--trusted-proxies", "127.0.0.1"))
    remote_tls = user_allowed(srv, "remote-tls", FROM_10_OVER_TLS)
    local_clear = user_allowed(srv, "local-clear", FROM_LOOPBACK_IN_CLEAR)
    assert outcome(list_roles_as(srv, remote_tls, FORGED)) == "allowed"
    assert outcome(list_roles_as(srv, local_clear, FORGED)) == "403 AccessDenied"
    # Without the headers the proxy's own address is the source.
    assert outcome(list_roles_as(srv, local_clear, {})) == "allowed"


def test_a_network_that_does_not_hold_the_peer_is_not_trusted(
    start_server: Callable[..., Server],
) -> None:
    srv = start_server(args=("--trusted-proxies", "10.0.0.0/8,192.168.0.1"))
    remote_tls = user_allowed(srv, "remote-tls", FROM_10_OVER_TLS)
    assert outcome(list_roles_as(srv, remote_tls, FORGED)) == "403 AccessDenied"
