"""Raw, really signed HTTP requests for the tests that need to control every byte."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from unittest import mock
from xml.etree import ElementTree

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import REGION, ROOT_KEY_ID, ROOT_SECRET


@dataclass
class Reply:
    status: int
    body: bytes

    @property
    def xml(self) -> ElementTree.Element:
        return ElementTree.fromstring(self.body)

    def find(self, name: str) -> str | None:
        """Text of the first element with this local name (namespace ignored)."""
        for element in self.xml.iter():
            if element.tag.rsplit("}", 1)[-1] == name:
                return element.text
        return None


def send(
    url: str, method: str = "POST", body: bytes = b"", headers: dict[str, str] | None = None
) -> Reply:
    request = urllib.request.Request(
        url, data=body if method == "POST" else None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read())


def signed(
    endpoint: str,
    params: dict[str, str],
    *,
    service: str = "iam",
    key_id: str = ROOT_KEY_ID,
    secret: str = ROOT_SECRET,
    token: str | None = None,
    at: datetime | None = None,
    compress: bool = False,
    raw_body: bytes | None = None,
    region: str = REGION,
) -> tuple[str, bytes, dict[str, str]]:
    """A POST form signed by botocore; ``at`` signs as if the clock said so.

    ``raw_body`` replaces the encoded ``params`` with exactly these bytes (still signed);
    ``service`` and ``region`` are the credential scope.
    """
    body = urllib.parse.urlencode(params).encode() if raw_body is None else raw_body
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    if compress:
        request.data = gzip.compress(body)
        request.headers["Content-Encoding"] = "gzip"
    auth = SigV4Auth(Credentials(key_id, secret, token), service, region)
    if at is None:
        auth.add_auth(request)
    else:
        # Sign as a client whose clock says ``at`` (the client's clock, not the server's).
        with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
            auth.add_auth(request)
    return request.url, request.body, dict(request.headers.items())


def presigned_get(
    endpoint: str, params: dict[str, str], *, service: str = "iam", expires: int = 300
) -> str:
    url = endpoint + "/?" + urllib.parse.urlencode(params)
    request = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(
        Credentials(ROOT_KEY_ID, ROOT_SECRET), service, REGION, expires=expires
    ).add_auth(request)
    return str(request.url)
