"""AssumeRoleWithWebIdentity, warm JWKS cache. Run: ``.venv/bin/python bench/web_identity.py``.

Starts the tests' OIDC issuer on loopback (HTTPS, a test CA: ``tests/e2e/oidc_issuer.py``) and a
real ``rolegate serve`` trusting that CA (SQLite by default, ``--database-url`` for PostgreSQL),
creates a provider and a role, warms the cache with one call, then times, alternating in rounds
on the same server over one keep-alive HTTP connection (requests built once, so the client's
serialization and signing stay out of the timing):

- ``AssumeRoleWithWebIdentity`` (unsigned, RS256 token verified on every call);
- the baseline ``AssumeRole`` (SigV4-signed by an IAM user allowed sts:AssumeRole) of a role
  trusting the account: the same credential issuing, without the token.

Prints requests/s, p50/p99 of each, the ratio of their p50 and p99, and how many discovery and
JWKS documents the issuer served during the timed window (0 expected: no network call per
request once warm). Target (issue 6): p99 under 25 ms. Timing is never a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from oidc_issuer import Issuer, IssuerCa  # noqa: E402
from oidc_setup import OidcServer, federate  # noqa: E402

from _postgres import ScratchDatabase  # noqa: E402

from harness import REGION  # noqa: E402

Request = tuple[bytes, dict[str, str]]


def _unsigned_request(**form: str) -> Request:
    body = urllib.parse.urlencode(form).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def _signed_request(endpoint: str, key_id: str, secret: str, **form: str) -> Request:
    """Signed once with SigV4 and replayed (valid for the run's minutes): the client's signing
    cost stays out of the server's timing."""
    body, headers = _unsigned_request(**form)
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials(key_id, secret), "sts", REGION).add_auth(request)
    return body, dict(request.headers.items())


def _post(connection: http.client.HTTPConnection, request: Request) -> None:
    body, headers = request
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {answer[:300]!r}")


def _time(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _summary(name: str, samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = len(samples) / sum(samples)
    print(f"{name:<28} {rate:8.0f} req/s   p50 {p50 * 1e3:6.2f} ms   p99 {p99 * 1e3:6.2f} ms")
    return p50, p99


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="per operation per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server (scratch database); default SQLite",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rolegate-bench-oidc-"))
    scratch = ScratchDatabase(args.database_url) if args.database_url else None
    if scratch is not None:
        scratch.create()  # an empty database per run, dropped afterwards
    ca = IssuerCa.create(work / "ca")
    issuer = Issuer(ca).start()
    server = OidcServer(work / "data", scratch.url if scratch else None, ca_bundle=ca.bundle)
    try:
        server.start()
        fed = federate(server, issuer)
        iam = server.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        plain = iam.create_role(RoleName="bench-plain", AssumeRolePolicyDocument=json.dumps(trust))
        token = issuer.token(fed.tenant, lifetime=3600)
        iam.create_user(UserName="bench")
        allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        iam.put_user_policy(
            UserName="bench",
            PolicyName="assume",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
        )
        key = iam.create_access_key(UserName="bench")["AccessKey"]
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        web_request = _unsigned_request(
            Action="AssumeRoleWithWebIdentity",
            Version="2011-06-15",
            RoleArn=fed.role_arn,
            RoleSessionName="bench",
            WebIdentityToken=token,
        )
        base_request = _signed_request(
            server.endpoint,
            key["AccessKeyId"],
            key["SecretAccessKey"],
            Action="AssumeRole",
            Version="2011-06-15",
            RoleArn=plain["Role"]["Arn"],
            RoleSessionName="bench",
        )

        def web_identity() -> None:
            _post(connection, web_request)

        def assume_role() -> None:
            _post(connection, base_request)

        web_identity()  # warm the JWKS cache
        assume_role()
        served_before = sum(issuer.served.values())
        web: list[float] = []
        base: list[float] = []
        for _ in range(args.rounds):
            web += _time(web_identity, args.requests)
            base += _time(assume_role, args.requests)
        served_during = sum(issuer.served.values()) - served_before
    finally:
        server.stop()
        issuer.stop()
        if scratch is not None:
            scratch.drop()

    print(f"{len(web)} calls each, {args.rounds} alternating rounds, one connection, sequential")
    web_p50, web_p99 = _summary("AssumeRoleWithWebIdentity", web)
    base_p50, base_p99 = _summary("AssumeRole (baseline)", base)
    ratios = f"p50 {web_p50 / base_p50:.2f}x, p99 {web_p99 / base_p99:.2f}x"
    print(f"ratio web identity / AssumeRole: {ratios}")
    print(f"issuer documents served during the timed window: {served_during} (warm cache: 0)")
    verdict = "met" if web_p99 < 0.025 else "missed"
    print(f"target p99 < 25 ms: {verdict}")
    return 1 if served_during else 0


if __name__ == "__main__":
    sys.exit(main())
