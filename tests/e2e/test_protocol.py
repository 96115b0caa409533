"""The wire and authentication answers of a real server, byte for byte where it matters."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from harness import Server
from signing import Reply, presigned_get, send, signed

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def post(server: Server, params: dict[str, str], **kw: Any) -> Reply:
    url, body, headers = signed(server.endpoint, params, **kw)
    return send(url, body=body, headers=headers)


def test_healthz(server: Server) -> None:
    reply = send(server.endpoint + "/healthz", method="GET")
    assert reply.status == 200


def test_response_envelope_and_request_id(server: Server) -> None:
    reply = post(server, {"Action": "ListRoles", "Version": "2010-05-08", "MaxItems": "1"})
    assert reply.status == 200
    root = reply.xml
    assert root.tag == f"{{{IAM_NS}}}ListRolesResponse"
    assert root.find(f"{{{IAM_NS}}}ListRolesResult") is not None
    request_id = reply.find("RequestId")
    assert request_id and len(request_id) == 36


def test_sts_envelope(server: Server) -> None:
    reply = post(server, {"Action": "GetCallerIdentity", "Version": "2011-06-15"}, service="sts")
    assert reply.status == 200
    assert reply.xml.tag == f"{{{STS_NS}}}GetCallerIdentityResponse"
    assert reply.find("Arn") == "arn:aws:iam::123456789012:root"


def test_policy_documents_are_url_encoded_on_the_wire(
    server: Server, unique: Callable[[str], str]
) -> None:
    name = unique("enc")
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    reply = post(
        server,
        {
            "Action": "CreateRole",
            "Version": "2010-05-08",
            "RoleName": name,
            "AssumeRolePolicyDocument": trust,
        },
    )
    assert reply.status == 200, reply.body
    encoded = reply.find("AssumeRolePolicyDocument")
    assert encoded is not None and encoded.startswith("%7B%22Version%22%3A%222012-10-17%22")
    assert urllib.parse.unquote(encoded) == trust


def test_missing_and_unknown_actions(server: Server) -> None:
    reply = post(server, {"Version": "2010-05-08"})
    assert (reply.status, reply.find("Code")) == (400, "MissingAction")
    reply = post(server, {"Action": "MakeCoffee", "Version": "2010-05-08"})
    assert (reply.status, reply.find("Code")) == (400, "InvalidAction")
    assert reply.xml.tag.endswith("ErrorResponse")
    assert reply.find("Type") == "Sender"


def test_unsigned_request_is_missing_authentication_token(server: Server) -> None:
    body = urllib.parse.urlencode({"Action": "ListRoles", "Version": "2010-05-08"}).encode()
    reply = send(
        server.endpoint + "/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (reply.status, reply.find("Code")) == (403, "MissingAuthenticationToken")


def test_unknown_key_wrong_secret_and_stale_clock(server: Server) -> None:
    reply = post(
        server, {"Action": "ListRoles", "Version": "2010-05-08"}, key_id="AKIAUNKNOWNUNKNOWN00"
    )
    assert (reply.status, reply.find("Code"), reply.find("Message")) == (
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
    reply = post(server, {"Action": "ListRoles", "Version": "2010-05-08"}, secret="not-the-secret")
    assert (reply.status, reply.find("Code")) == (403, "SignatureDoesNotMatch")
    assert (reply.find("Message") or "").startswith(
        "The request signature we calculated does not match"
    )
    stale = datetime.now(UTC) - timedelta(minutes=20)
    reply = post(server, {"Action": "ListRoles", "Version": "2010-05-08"}, at=stale)
    assert reply.status in (400, 403) and reply.find("Code") in (
        "RequestExpired",
        "SignatureDoesNotMatch",
    )
    assert "Signature expired" in (reply.find("Message") or "")


def test_tampered_body_is_rejected(server: Server) -> None:
    url, body, headers = signed(
        server.endpoint, {"Action": "ListRoles", "Version": "2010-05-08", "MaxItems": "5"}
    )
    reply = send(url, body=body.replace(b"MaxItems=5", b"MaxItems=6"), headers=headers)
    assert (reply.status, reply.find("Code")) == (403, "SignatureDoesNotMatch")


def test_gzip_body(server: Server) -> None:
    reply = post(
        server, {"Action": "ListRoles", "Version": "2010-05-08", "MaxItems": "1"}, compress=True
    )
    assert reply.status == 200, reply.body


def test_presigned_get(server: Server) -> None:
    url = presigned_get(
        server.endpoint, {"Action": "GetCallerIdentity", "Version": "2011-06-15"}, service="sts"
    )
    reply = send(url, method="GET")
    assert reply.status == 200, reply.body
    assert reply.find("Account") == "123456789012"


def test_sts_validation_message_includes_the_value(server: Server) -> None:
    reply = post(
        server,
        {"Action": "GetAccessKeyInfo", "Version": "2011-06-15", "AccessKeyId": "short"},
        service="sts",
    )
    assert (reply.status, reply.find("Code")) == (400, "ValidationError")
    assert reply.find("Message") == (
        "1 validation error detected: Value 'short' at 'accessKeyId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 16"
    )


def test_reset_endpoint_does_not_exist_in_strict_mode(server: Server) -> None:
    reply = send(server.endpoint + "/_rolegate/reset", body=b"")
    assert reply.status == 403 and reply.find("Code") == "MissingAuthenticationToken"


def test_malformed_form_encoding_is_malformed_query_string(server: Server) -> None:
    reply = post(server, {}, raw_body=b"Action=ListRoles&Version=2010-05-08&Marker=%ZZ")
    assert (reply.status, reply.find("Code")) == (404, "MalformedQueryString")


def test_oversized_body_is_refused(server: Server) -> None:
    padding = b"x" * (33 << 20)  # over the 32 MiB the server reads of a signed request
    body = b"Action=ListRoles&Version=2010-05-08&Pad=" + padding
    reply = post(server, {}, raw_body=body)
    assert (reply.status, reply.find("Code"), reply.find("Message")) == (
        413,
        "RequestEntityTooLarge",
        f"Request size {len(body)} exceeded 33554432 bytes",
    )


def _read_until(conn: socket.socket, ending: bytes, seen: bytes = b"") -> bytes:
    """What the server sent until ``ending`` (or a 10 s timeout: the test then fails)."""
    conn.settimeout(10)
    while not seen.endswith(ending):
        chunk = conn.recv(65536)
        assert chunk, f"connection closed after {seen!r}"
        seen += chunk
    return seen


def test_keep_alive_head_and_get_answers_on_one_connection(server: Server) -> None:
    """Each response is sent in one write (server.one_write): a HEAD's head alone, then the
    next response on the same connection whole."""
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        conn.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = _read_until(conn, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ") and b"content-length: 3\r\n" in head
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_until(conn, b"\r\n\r\nok\n")
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.count(b"HTTP/1.1") == 1


def test_expect_100_continue_gets_its_interim_answer_before_the_body(server: Server) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        conn.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        assert _read_until(conn, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        conn.sendall(body)
        answer = _read_until(conn, b"</ErrorResponse>")
        assert answer.startswith(b"HTTP/1.1 403 ")
        assert b"<Code>MissingAuthenticationToken</Code>" in answer
