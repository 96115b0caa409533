"""Reading the AWS SigV4 test suite (tests/vectors/aws4_testsuite, Apache-2.0, see its NOTICE).

Each case directory holds ``<name>.req`` (the request), ``.creq`` (canonical request), ``.sts``
(string to sign), ``.authz`` (Authorization header) and ``.sreq`` (the signed request). All cases
sign with the suite's example credentials, region us-east-1, service "service", at
20150830T123600Z.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rolegate.auth.sigv4 import HttpRequest

SUITE = Path(__file__).resolve().parents[1] / "vectors" / "aws4_testsuite"
ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
SERVICE = "service"
SIGNED_AT = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    name: str
    directory: Path

    def text(self, suffix: str) -> str:
        return (self.directory / f"{self.name}.{suffix}").read_text(encoding="utf-8")


def cases() -> list[Case]:
    found = []
    for req in sorted(SUITE.rglob("*.req")):
        found.append(Case(req.stem, req.parent))
    return found


def parse_http(text: str) -> HttpRequest:
    """An HTTP/1.1 message as the suite writes it (folded header lines allowed)."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    request_line = lines[0]
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" HTTP/", 1)[0]
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
            continue
        name, _, value = line.partition(":")
        headers.append((name, value.lstrip(" \t")))
    return HttpRequest(method, path, query, tuple(headers), body.encode("utf-8"))
