"""What a request may cost before it is authenticated (issue 13, finding 4), on a real server.

Before the fix the form was decoded first, with any number of parameters and gzip layers of
16 MiB each: six unsigned 3 MB bodies of 1.5 M parameters kept the server busy for seconds.
Now the signature's shape is checked first, and the form is bounded: 1 MiB (on the wire and
inflated) without a signature, 32 MiB with one (CreateSAMLProvider's metadata may hold
10,000,000 characters), 1,000 parameters, one content coding; each refusal is AWS's answer.
"""

from __future__ import annotations

import gzip
import os
import urllib.parse
from pathlib import Path

import httpx
from test_assume_role_with_saml import KEY

from saml_idp import metadata_document

from harness import Server
from signing import Reply, send

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LIMIT = 1024 * 1024
SIGNED_LIMIT = 32 * 1024 * 1024
# The body: 1.5 M parameters in 3 MB.
MANY_PARAMETERS = b"Action=GetCallerIdentity&Version=2011-06-15" + b"&a" * 1_500_000
# Under the size limit, over the parameter limit.
MANY_SMALL_PARAMETERS = b"Action=GetCallerIdentity&Version=2011-06-15" + b"&a" * 300_000
INFLATES_TO_6_MB = b"Action=GetCallerIdentity&Version=2011-06-15" + b"&a" * 3_000_000


def post(server: Server, body: bytes, **headers: str) -> Reply:
    return send(server.endpoint + "/", body=body, headers={**FORM, **headers})


def answer(reply: Reply) -> tuple[int, str | None, str | None]:
    return reply.status, reply.find("Code"), reply.find("Message")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_oversized_body_is_refused_with_its_size(server: Server) -> None:
    assert answer(post(server, MANY_PARAMETERS)) == (
        413,
        "RequestEntityTooLarge",
        f"Request size {len(MANY_PARAMETERS)} exceeded {LIMIT} bytes",
    )


def test_too_many_parameters_are_refused_before_they_are_decoded(server: Server) -> None:
    assert answer(post(server, MANY_SMALL_PARAMETERS)) == (
        413,
        "RequestEntityTooLarge",
        "Request parameter count 300002 exceeded 1000 parameters",
    )


def test_one_content_coding_at_most(server: Server) -> None:
    layered = gzip.compress(gzip.compress(gzip.compress(INFLATES_TO_6_MB)))
    assert answer(post(server, layered, **{"Content-Encoding": "gzip, gzip, gzip"})) == (
        404,
        "MalformedQueryString",
        "Unsupported Content-Encoding: gzip, gzip, gzip (one gzip coding at most)",
    )
    # Repeated header lines are one list of codings, as HTTP reads them.
    twice = httpx.post(
        server.endpoint + "/",
        content=gzip.compress(gzip.compress(b"Action=GetCallerIdentity")),
        headers=[*FORM.items(), ("Content-Encoding", "gzip"), ("Content-Encoding", "gzip")],
    )
    assert twice.status_code == 404 and b"<Code>MalformedQueryString</Code>" in twice.content


def test_inflating_stops_at_the_size_limit(server: Server) -> None:
    bomb = gzip.compress(INFLATES_TO_6_MB)
    assert len(bomb) < 100_000
    assert answer(post(server, bomb, **{"Content-Encoding": "gzip"})) == (
        413,
        "RequestEntityTooLarge",
        f"Request size exceeded {LIMIT} bytes when decompressed",
    )


def test_a_malformed_signature_is_answered_before_the_body_is_read(server: Server) -> None:
    reply = post(
        server,
        MANY_SMALL_PARAMETERS,
        Authorization="AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request",
    )
    assert answer(reply) == (
        400,
        "IncompleteSignature",
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 "
        "Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request",
    )


def test_unsigned_operations_still_read_their_form_plain_or_compressed(server: Server) -> None:
    form = urllib.parse.urlencode(
        {
            "Action": "AssumeRoleWithWebIdentity",
            "Version": "2011-06-15",
            "RoleArn": "arn:aws:iam::123456789012:role/web",
            "RoleSessionName": "session",
            "WebIdentityToken": "not-a-jwt",
        }
    ).encode()
    compressed = post(server, gzip.compress(form), **{"Content-Encoding": "gzip"})
    for reply in (post(server, form), compressed):
        assert (reply.status, reply.find("Code")) == (400, "InvalidIdentityToken")
    # Without the form's Action the request is a signed operation's, and unsigned.
    assert answer(post(server, b"Action=ListRoles&Version=2010-05-08")) == (
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )


def test_the_refused_bodies_cost_the_server_little_cpu(server: Server) -> None:
    """Three of each attack body: before the fix they cost the server tens of CPU seconds."""
    assert server.process is not None
    bodies = [
        (MANY_PARAMETERS, {}),
        (MANY_SMALL_PARAMETERS, {}),
        (gzip.compress(gzip.compress(INFLATES_TO_6_MB)), {"Content-Encoding": "gzip, gzip"}),
        (gzip.compress(INFLATES_TO_6_MB), {"Content-Encoding": "gzip"}),
    ]
    before = cpu_seconds(server.process.pid)
    statuses = [post(server, body, **headers).status for body, headers in bodies * 3]
    spent = cpu_seconds(server.process.pid) - before
    # Measured after the fix: under 0.1 s for the twelve. The bound is generous.
    assert spent < 3.0, f"the server spent {spent:.1f} s of CPU on 12 refused requests"
    assert statuses == [413, 413, 404, 413] * 3
    sts = server.client("sts")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_a_signed_request_may_be_larger(server: Server) -> None:
    """A metadata document of 1.5 MB (a long comment) is read when the request is signed; the
    same bytes without a signature are refused at 1 MiB."""
    metadata = metadata_document("https://big.example.com", [KEY]).replace(
        "<md:IDPSSODescriptor", "<!--" + "x" * 1_500_000 + "--><md:IDPSSODescriptor", 1
    )
    created = server.client("iam").create_saml_provider(
        Name="big-metadata", SAMLMetadataDocument=metadata
    )
    assert created["SAMLProviderArn"].endswith(":saml-provider/big-metadata")
    body = urllib.parse.urlencode(
        {"Action": "CreateSAMLProvider", "Name": "p", "SAMLMetadataDocument": metadata}
    ).encode()
    assert answer(post(server, body)) == (
        413,
        "RequestEntityTooLarge",
        f"Request size {len(body)} exceeded {LIMIT} bytes",
    )


def test_a_signed_request_over_its_limit_is_refused_before_it_is_read(server: Server) -> None:
    body = b"Action=ListRoles&Version=2010-05-08&a=" + b"x" * SIGNED_LIMIT
    reply = post(
        server,
        body,
        Authorization="AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/iam/"
        "aws4_request, SignedHeaders=host, Signature=00",
    )
    assert answer(reply) == (
        413,
        "RequestEntityTooLarge",
        f"Request size {len(body)} exceeded {SIGNED_LIMIT} bytes",
    )
