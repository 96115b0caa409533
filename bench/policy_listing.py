"""Listing cost in a large account (issue 5, "Speed"): ListPolicies and ListEntitiesForPolicy
pages of 100 in an account of N roles, N/2.5 managed policies and 2N attachments, for a small and
a large N, so the two page latencies can be compared (a page must not cost more in a larger
account). ListPolicies runs with Scope=Local (the account's policies), Scope=AWS (the catalogue
of every AWS managed policy) and Scope=All (both, merged), each page's cost shown against the
Scope=Local one.

The account is filled through the store (not timed); then a real ``rolegate serve`` answers
SigV4-signed boto3 calls. Reported per listing: client-side p50/p99 over every page, and the
server's own p50/p99 from its request log (the time inside the pipeline).

    .venv/bin/python bench/policy_listing.py                       # SQLite, N = 500 and 5,000
    .venv/bin/python bench/policy_listing.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from rolegate.domain.entities import Role
from rolegate.domain.managed_policy import (
    ManagedPolicy,
    OwnerKind,
    PolicyVersion,
    policy_arn,
)
from rolegate.server.settings import Settings
from rolegate.server.storage import open_key_ring
from rolegate.store import Store

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, Server

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}'
TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)
_LOG_LINE = re.compile(r" (\w+) 200 ([0-9.]+)ms$")


def fill(url: str, data_dir: Path, roles: int, policies_count: int | None = None) -> str:
    """``roles`` roles, ``policies_count`` (default roles*2/5) policies, 2 attachments per role:
    the first policy is attached to every role (its ARN is returned), the second attachment
    spreads over the other policies."""
    settings = Settings(data_dir=data_dir, database_url=url, audit_writer="thread")
    store = Store.open(url, sealer=open_key_ring(settings))
    count = roles * 2 // 5 if policies_count is None else policies_count
    policies = [_policy(f"policy-{i:05d}") for i in range(count)]
    role_ids: list[str] = []
    with store.transaction() as tx:
        for p in policies:
            tx.managed_policies.create(p, PolicyVersion(1, DOC, NOW))
        for i in range(roles):
            role = _role(f"role-{i:05d}")
            tx.roles.create(role)
            role_ids.append(role.role_id)
            for target in (policies[0], policies[1 + i % (len(policies) - 1)]):
                tx.policy_attachments.attach(
                    ACCOUNT_ID, OwnerKind.ROLE, role.role_id, target.policy_id
                )
    if store.dialect_name == "postgresql":  # the statistics autovacuum keeps in a live database
        with store.transaction() as tx:
            tx.connection.exec_driver_sql("ANALYZE")
    store.close()
    return policies[0].arn


def _policy(name: str) -> ManagedPolicy:
    return ManagedPolicy(
        ACCOUNT_ID,
        f"ANPA{secrets.token_hex(9).upper()[:17]}",
        name,
        "/",
        policy_arn(ACCOUNT_ID, "/", name),
        NOW,
        NOW,
        1,
        1,
    )


def _role(name: str) -> Role:
    return Role(
        ACCOUNT_ID,
        f"AROA{secrets.token_hex(9).upper()[:17]}",
        name,
        "/",
        f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
        NOW,
        TRUST,
    )


class LoggingServer(Server):
    """The harness's server with its per-request log lines (operation, status, milliseconds)."""

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "ROLEGATE_LOG_LEVEL": "info"}


def walk(iam: Any, operation: str, **kw: Any) -> tuple[list[float], int]:
    """Every page of a listing (MaxItems 100): one untimed pass to warm the server's caches,
    then three timed passes. Returns client-side milliseconds per timed page and the number of
    warm-up pages (to skip in the server's log too)."""
    times: list[float] = []
    warm_up = 0
    for round_number in range(4):
        marker = None
        while True:
            extra: dict[str, str] = {"Marker": marker} if marker else {}
            started = time.perf_counter()
            page = getattr(iam, operation)(MaxItems=100, **kw, **extra)
            if round_number:
                times.append((time.perf_counter() - started) * 1000)
            else:
                warm_up += 1
            if not page["IsTruncated"]:
                break
            marker = page["Marker"]
    return times, warm_up


def server_times(log: str, action: str) -> list[float]:
    return [
        float(m.group(2))
        for line in log.splitlines()
        if (m := _LOG_LINE.search(line)) and m.group(1) == action
    ]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run(backend_url: str | None, roles: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        backend = "postgresql" if backend_url else "sqlite"
        with fresh_database_url(backend, data_dir) as url:
            started = time.perf_counter()
            busy = fill(url, data_dir, roles)
            filled = time.perf_counter() - started
            server = LoggingServer(data_dir, url).start()
            try:
                iam = server.client("iam")
                client = {
                    ("ListPolicies", "Scope=Local"): walk(iam, "list_policies", Scope="Local"),
                    ("ListPolicies", "Scope=AWS"): walk(iam, "list_policies", Scope="AWS"),
                    ("ListPolicies", "Scope=All"): walk(iam, "list_policies", Scope="All"),
                    ("ListEntitiesForPolicy", ""): walk(
                        iam, "list_entities_for_policy", PolicyArn=busy
                    ),
                }
            finally:
                log = server.stop()
        print(
            f"{backend}: {roles} roles, {roles * 2 // 5} policies, {roles * 2} attachments "
            f"(filled in {filled:.1f}s)"
        )
        consumed: dict[str, int] = {}  # the log's lines of each action, walk after walk
        local = 0.0
        for (action, label), (times, warm_up) in client.items():
            start = consumed.get(action, 0)
            consumed[action] = start + warm_up + len(times)
            inside = server_times(log, action)[start + warm_up : consumed[action]]
            if label == "Scope=Local":
                local = pct(inside, 50)
            ratio = f"  x{pct(inside, 50) / local:.2f} of Scope=Local" if label else ""
            print(
                f"  {action + ' ' + label:34s} pages={len(times):4d}  client p50="
                f"{pct(times, 50):5.1f} p99={pct(times, 99):5.1f} ms   server p50="
                f"{pct(inside, 50):5.1f} p99={pct(inside, 99):5.1f} ms{ratio}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--sizes", default="500,5000", help="role counts to compare")
    args = parser.parse_args()
    if args.database_url:
        import os

        os.environ["ROLEGATE_TEST_POSTGRES_URL"] = args.database_url
    for size in (int(s) for s in args.sizes.split(",")):
        run(args.database_url, size)


if __name__ == "__main__":
    main()
