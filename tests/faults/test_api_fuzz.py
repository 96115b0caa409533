"""Fuzzing the API (issue 17, 3): every IAM and STS operation of the models, driven with generated
valid and invalid inputs (api_requests.py), really signed (SigV4, botocore's signer), sent to a
``rolegate serve`` process.

Every answer must be below 500 (but for ``501 NotImplemented``, rolegate's documented answer for
an operation of the models it does not implement; a SAML private key is implemented, so a 501
for one fails), well-formed AWS XML (an
``<Operation>Response`` with its request id, or an ``ErrorResponse`` with a code, a message and
a request id), and the server must stay alive (``/healthz``) throughout. The default suite sends
a sample (``ROLEGATE_FUZZ_REQUESTS``, 300 per backend); ``make fuzz`` sends 100,000 and writes
the figures to its report (docs/faults.md).
"""

from __future__ import annotations

import http.client
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from api_requests import Request, requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, Phase, given, settings

from conftest_db import BACKENDS, fresh_database_url
from harness import REGION, ROOT_KEY_ID, ROOT_SECRET, Server

pytestmark = pytest.mark.e2e

REQUESTS = int(os.environ.get("ROLEGATE_FUZZ_REQUESTS", "300"))
HEALTH_EVERY = 500
CHUNK = 5000
FORM = "application/x-www-form-urlencoded; charset=utf-8"


class Sender:
    """Signs and sends requests over one kept-alive connection (a new one when it drops)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.host = urlsplit(endpoint).netloc
        self.credentials = Credentials(ROOT_KEY_ID, ROOT_SECRET)
        self.connection = http.client.HTTPConnection(self.host, timeout=30)

    def send(self, request: Request) -> tuple[int, bytes, str]:
        body = request.body()
        signing = AWSRequest(
            method="POST", url=self.endpoint + "/", data=body, headers={"Content-Type": FORM}
        )
        SigV4Auth(self.credentials, request.service, REGION).add_auth(signing)
        headers = dict(signing.headers.items())
        for attempt in range(2):
            try:
                self.connection.request("POST", "/", body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read(), response.getheader("Content-Type") or ""
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def healthy(self) -> bool:
        probe = http.client.HTTPConnection(self.host, timeout=10)
        try:
            probe.request("GET", "/healthz")
            return probe.getresponse().status == 200
        except OSError:
            return False
        finally:
            probe.close()


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def malformed(status: int, body: bytes, content_type: str) -> str | None:
    """Why an answer is not a well-formed AWS Query answer, or None."""
    if not content_type.startswith("text/xml"):
        return f"content type {content_type!r}"
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        return f"not XML: {error}"
    texts = {local(element.tag): (element.text or "") for element in root.iter()}
    if status == 200:
        if not local(root.tag).endswith("Response") or not texts.get("RequestId"):
            return f"a 200 without <...Response> and its RequestId: {body[:200]!r}"
        return None
    if local(root.tag) != "ErrorResponse" or not texts.get("Code") or not texts.get("RequestId"):
        return f"an error without ErrorResponse/Error/Code and RequestId: {body[:200]!r}"
    if "Message" not in texts or "Traceback" in body.decode("utf-8", "replace"):
        return f"an error without its Message, or with a traceback: {body[:200]!r}"
    return None


@dataclass
class Findings:
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    not_implemented: dict[str, int] = field(default_factory=dict)  # 501 by operation
    malformed: list[str] = field(default_factory=list)
    unhealthy: list[int] = field(default_factory=list)

    def summary(self, seconds: float) -> str:
        load = os.getloadavg()
        return (
            f"{self.sent} requests in {seconds:.0f} s ({self.sent / seconds:.0f}/s), "
            f"statuses {sorted(self.statuses.items())}, 5xx {len(self.server_errors)} "
            f"(and 501 NotImplemented {sum(self.not_implemented.values())}), "
            f"malformed {len(self.malformed)}, failed health checks {len(self.unhealthy)}, "
            f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )

    def record(self, request: Request, status: int, body: bytes, content_type: str) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        name = f"{request.service}:{dict(request.pairs).get('Action')}"
        if status == 501 and f"rolegate does not implement {name} yet.".encode() in body:
            self.not_implemented[name] = self.not_implemented.get(name, 0) + 1
        elif status >= 500:
            self.server_errors.append(f"{status} {request!r} -> {body[:300]!r}")
        problem = malformed(status, body, content_type)
        if problem:
            self.malformed.append(f"{problem} for {request!r}")


def fuzz(server: Server, count: int, progress: str | None = None) -> Findings:
    """Send ``count`` generated requests, in runs of hypothesis of at most ``CHUNK`` examples
    (a long run keeps no growing search tree); ``progress``: a file for a line per run."""
    findings = Findings()
    sender = Sender(server.endpoint)
    started = time.monotonic()

    def run(examples: int) -> None:
        @settings(
            max_examples=examples,
            phases=[Phase.generate],  # every example is sent; a failure is reported, not shrunk
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(requests())
        def one(request: Request) -> None:
            findings.record(request, *sender.send(request))
            if findings.sent % HEALTH_EVERY == 0 and not sender.healthy():
                findings.unhealthy.append(findings.sent)

        one()

    try:
        while findings.sent < count:
            before = findings.sent
            run(min(CHUNK, count - findings.sent))
            if progress:
                with open(progress, "a") as out:
                    out.write(f"  {findings.summary(time.monotonic() - started)}\n")
            if findings.sent == before:
                break
        if not sender.healthy() or (server.process and server.process.poll() is not None):
            findings.unhealthy.append(findings.sent)
    finally:
        sender.connection.close()
    return findings


@pytest.mark.parametrize("backend", BACKENDS)
def test_fuzzed_requests_get_well_formed_answers_below_500(backend: str, tmp_path: Path) -> None:
    with fresh_database_url(backend, tmp_path) as url:
        server = Server(tmp_path / "data", url).start()
        started = time.monotonic()
        report = os.environ.get("ROLEGATE_FUZZ_REPORT")
        try:
            findings = fuzz(server, REQUESTS, report)
        finally:
            server.stop()
        summary = f"fuzz {backend}: {findings.summary(time.monotonic() - started)}"
    print(summary)
    if report:
        with open(report, "a") as out:
            out.write(summary + "\n")
            out.writelines(line + "\n" for line in findings.server_errors[:50])
            out.writelines(line + "\n" for line in findings.malformed[:50])
    assert findings.sent >= REQUESTS * 0.95  # hypothesis may stop a little short of max_examples
    assert findings.server_errors == []
    assert findings.malformed == []
    assert findings.unhealthy == []
