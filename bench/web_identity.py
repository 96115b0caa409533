"""AssumeRoleWithWebIdentity, warm JWKS cache. Run: ``.venv/bin/python bench/web_identity.py``.

Starts the tests' OIDC issuer on loopback (HTTPS, a test CA: ``tests/e2e/oidc_issuer.py``) and a
real ``rolegate serve`` trusting that CA (SQLite by default, ``--database-url`` for PostgreSQL),
creates a provider and a role, warms the cache with one call, then times, alternating in rounds
on the same server and the same boto3 client setup:

- ``AssumeRoleWithWebIdentity`` (unsigned, RS256 token verified on every call);
- the baseline ``AssumeRole`` (SigV4-signed by an IAM user allowed sts:AssumeRole) of a role
  trusting the account: the same credential issuing, without the token.

Prints requests/s, p50/p99 of each, the ratio of their p50 and p99, and how many discovery and
JWKS documents the issuer served during the timed window (0 expected: no network call per
request once warm). Target (issue 6): p99 under 25 ms. Timing is never a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from oidc_issuer import Issuer, IssuerCa  # noqa: E402
from oidc_setup import OidcServer, federate  # noqa: E402


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
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rolegate-bench-oidc-"))
    ca = IssuerCa.create(work / "ca")
    issuer = Issuer(ca).start()
    server = OidcServer(work / "data", args.database_url, ca_bundle=ca.bundle)
    server.start()
    try:
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
        unsigned = server.unsigned_sts()
        iam.create_user(UserName="bench")
        allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        iam.put_user_policy(
            UserName="bench",
            PolicyName="assume",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
        )
        key = iam.create_access_key(UserName="bench")["AccessKey"]
        signed = server.client("sts", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])

        def web_identity() -> None:
            unsigned.assume_role_with_web_identity(
                RoleArn=fed.role_arn, RoleSessionName="bench", WebIdentityToken=token
            )

        def assume_role() -> None:
            signed.assume_role(RoleArn=plain["Role"]["Arn"], RoleSessionName="bench")

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

    print(f"{len(web)} calls each, {args.rounds} alternating rounds, one client, sequential")
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
