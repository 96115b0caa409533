"""Requests signed by botocore, turned into what the server would receive (``HttpRequest``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

from rolegate.auth.sigv4 import HttpRequest

ENDPOINT = "http://rolegate.test:8080"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDHh4eHh4eHh4eHh4eCKAAb+/token/with+plus=="
REGION = "us-east-1"


class _Captured(Exception):
    def __init__(self, request: botocore.awsrequest.AWSPreparedRequest) -> None:
        super().__init__("captured")
        self.request = request


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def to_http_request(prepared: Any) -> HttpRequest:
    """The request as it arrives: latin-1 text for path and query, Host added as urllib3 does."""
    url = urlsplit(prepared.url)
    headers = [(_text(name), _text(value)) for name, value in prepared.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", url.netloc))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(prepared.method, url.path or "/", url.query, tuple(headers), bytes(body))


def client_request(
    service: str, operation: str, params: dict[str, Any], *, token: str | None = None
) -> HttpRequest:
    """What boto3's ``service`` client sends for ``operation`` (serializer and signer are real)."""
    client = boto3.session.Session().client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        config=botocore.config.Config(retries={"max_attempts": 0}),
    )

    def capture(request: botocore.awsrequest.AWSPreparedRequest, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", capture)
    try:
        getattr(client, operation)(**params)
    except _Captured as captured:
        return to_http_request(captured.request)
    raise AssertionError("the client sent nothing")


def presigned_url(
    service: str, operation: str, params: dict[str, Any], *, expires: int, token: str | None = None
) -> str:
    client = boto3.session.Session().client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
    )
    # Without HttpMethod botocore signs the Query-protocol POST it would have sent, and a GET of
    # that URL then fails on AWS as well (boto3 issue 756).
    url: str = client.generate_presigned_url(
        operation, Params=params, ExpiresIn=expires, HttpMethod="GET"
    )
    return url


def url_request(url: str) -> HttpRequest:
    parts = urlsplit(url)
    return HttpRequest("GET", parts.path or "/", parts.query, (("Host", parts.netloc),), b"")


def sign_raw(
    method: str,
    url: str,
    *,
    data: str | bytes | dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    service: str = "iam",
    token: str | None = None,
    presign_expires: int | None = None,
) -> HttpRequest:
    """Sign an AWSRequest directly with SigV4Auth, or SigV4QueryAuth when presigning."""
    credentials = botocore.credentials.Credentials(ACCESS_KEY_ID, SECRET, token)
    request = botocore.awsrequest.AWSRequest(
        method=method, url=url, data=data, headers=headers or {}
    )
    signer: botocore.auth.SigV4Auth
    if presign_expires is None:
        signer = botocore.auth.SigV4Auth(credentials, service, REGION)
    else:
        signer = botocore.auth.SigV4QueryAuth(credentials, service, REGION, presign_expires)
    signer.add_auth(request)
    return to_http_request(request.prepare())
