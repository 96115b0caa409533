"""A SigV4-signing AWS Query client over one persistent HTTP/1.1 connection.

Every request carries its own signature from botocore's ``SigV4Auth`` (as boto3 signs it).
Signing may happen just before sending (``send``) or ahead of time (``prepare`` then
``send_prepared``): botocore's signing costs ~0.2 ms of client CPU per request, which on a
2-core machine shared with the server would otherwise be taken from the server. A prepared
request stays valid while its X-Amz-Date is within the server's clock-skew window (5 minutes).
Only the send-to-last-byte interval is timed. IAM and STS share one endpoint; the credential
scope (``iam`` or ``sts``) tells them apart.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree import ElementTree

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
DEFAULT_CREDENTIALS = "default"  # the endpoint's own credentials
API_VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None  # temporary credentials: sent as X-Amz-Security-Token

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


@dataclass(frozen=True, slots=True)
class Call:
    """One AWS Query API call: ``service`` picks the SigV4 scope and the API version."""

    service: str
    action: str
    params: tuple[tuple[str, str], ...] = ()

    def form_body(self) -> str:
        fields = [("Action", self.action), ("Version", API_VERSIONS[self.service])]
        return urlencode([*fields, *self.params])


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    action: str
    payload: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: bytes
    latency_ns: int
    error: str | None = None  # transport failure (reset, refused, timeout)

    def succeeded(self, action: str) -> bool:
        """A 200 whose body is the ``<ActionResponse>`` document AWS returns for ``action``."""
        return (
            self.error is None and self.status == 200 and f"<{action}Response".encode() in self.body
        )


class SignedClient:
    """Signs each call with SigV4 and sends it over a kept-alive ``http.client`` connection.

    A server that answers ``Connection: close`` (moto's Werkzeug dev server speaks HTTP/1.0)
    makes ``http.client`` reconnect transparently on the next request. ``other_credentials``
    names further credential sets for the same server (e.g. a role session's temporary
    credentials); ``prepare`` signs with the set it is given, over the same connection.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        timeout: float = 30.0,
        other_credentials: Mapping[str, Endpoint] | None = None,
    ) -> None:
        self._url = endpoint.url
        credential_sets = {DEFAULT_CREDENTIALS: endpoint, **(other_credentials or {})}
        self._signers: dict[tuple[str, str], SigV4Auth] = {}
        for set_name, holder in credential_sets.items():
            if holder.url != endpoint.url:
                raise ValueError(f"credentials {set_name!r} are for another server")
            credentials = Credentials(
                holder.access_key_id, holder.secret_access_key, holder.session_token
            )
            for service in API_VERSIONS:
                self._signers[set_name, service] = SigV4Auth(credentials, service, REGION)
        self._connection = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)

    def reconnect(self) -> None:
        """A fresh connection (a server may close one that sat idle while requests were signed).

        A failure is left for the next request to report.
        """
        self._connection.close()
        try:
            self._connection.connect()
        except OSError:
            self._connection.close()

    def close(self) -> None:
        self._connection.close()

    def prepare(self, call: Call, credentials: str = DEFAULT_CREDENTIALS) -> PreparedRequest:
        """Encode and sign ``call`` now (X-Amz-Date is now) with the named credential set; send
        it with ``send_prepared``. Temporary credentials add ``X-Amz-Security-Token``."""
        body = call.form_body()
        request = AWSRequest(
            method="POST", url=self._url, data=body, headers={"Content-Type": FORM_CONTENT_TYPE}
        )
        self._signers[credentials, call.service].add_auth(request)
        return PreparedRequest(call.action, body.encode(), dict(request.headers.items()))

    def send(self, call: Call, credentials: str = DEFAULT_CREDENTIALS) -> Outcome:
        return self.send_prepared(self.prepare(call, credentials))

    def send_prepared(self, request: PreparedRequest) -> Outcome:
        started = time.perf_counter_ns()
        try:
            self._connection.request("POST", "/", body=request.payload, headers=request.headers)
            response = self._connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()  # the next request opens a fresh connection
            elapsed = time.perf_counter_ns() - started
            return Outcome(0, b"", elapsed, f"{type(error).__name__}: {error}")
        return Outcome(response.status, data, time.perf_counter_ns() - started)


def describe_failure(outcome: Outcome) -> str:
    if outcome.error is not None:
        return outcome.error
    return f"HTTP {outcome.status}: {outcome.body[:300].decode(errors='replace')}"


def expect(client: SignedClient, call: Call, credentials: str = DEFAULT_CREDENTIALS) -> bytes:
    """Send an untimed set-up call; its answer's body, or RuntimeError saying what failed."""
    outcome = client.send(call, credentials)
    if not outcome.succeeded(call.action):
        raise RuntimeError(f"{call.action} failed: {describe_failure(outcome)}")
    return outcome.body


def answer_texts(body: bytes, local_name: str) -> list[str]:
    """The texts of every element named ``local_name`` (any namespace) in an XML answer."""
    return [
        element.text
        for element in ElementTree.fromstring(body).iter()
        if element.tag.rsplit("}", 1)[-1] == local_name and element.text
    ]


def answer_text(body: bytes, local_name: str) -> str:
    """The first ``local_name`` element's text; RuntimeError if the answer has none."""
    found = answer_texts(body, local_name)
    if not found:
        raise RuntimeError(f"the answer has no {local_name}: {body[:200]!r}")
    return found[0]
