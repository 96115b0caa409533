"""Account listing cost (issue 5, "Speed"): ListPolicies and GetAccountAuthorizationDetails
pages of 100 over HTTP with SigV4, in accounts of increasing size, with the page latency of each
size divided by that of the smallest account measured in the same run (target: p99 under 20 ms,
and a ratio near 1: a page must not cost more in a larger account).

An account of E entities holds R = E/1.4 roles, 0.4 R customer managed policies and 2 R
attachments (the first policy on every role, the second spread over the rest), filled through
the store (not timed), as ``bench/policy_listing.py`` does; E = 7,000 is the issue's account
(5,000 roles, 2,000 policies, 10,000 attachments). Every listing is walked once untimed, then
three times timed; reported: client-side p50/p99 per page and the server's own p50/p99 (time
inside the pipeline, from its request log). ``--in-process`` runs the pipeline in this process
instead (no HTTP, no server) and reports its CPU time per page: steady on a busy machine, where
wall-clock figures swing by 2-3x.

    .venv/bin/python bench/account_listing.py               # SQLite: 1,000 / 7,000 / 10,000
    .venv/bin/python bench/account_listing.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/account_listing.py --entities 1000,10000
    .venv/bin/python bench/account_listing.py --in-process
    # issue 18: ListRoles pages and the server's memory, 1,000 and 100,000 roles, 10,000 policies
    .venv/bin/python bench/account_listing.py --listings ListRoles --entities 1400,140000 \
        --policies 10000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _in_process import InProcessNode
from policy_listing import LoggingServer, fill, pct, server_times, walk

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET

LISTINGS = {
    "ListPolicies": ("list_policies", {"Scope": "Local"}),
    "GetAccountAuthorizationDetails": ("get_account_authorization_details", {}),
    "ListRoles": ("list_roles", {}),  # issue 18: flat from 1,000 to 100,000 roles
}
TARGET_P99_MS = 20.0


def measure(
    backend_url: str | None,
    entities: int,
    in_process: bool,
    listings: dict[str, tuple[str, dict[str, str]]],
    policies: int | None = None,
) -> dict[str, dict[str, float]]:
    roles = round(entities / 1.4)
    policies = roles * 2 // 5 if policies is None else policies
    backend = "postgresql" if backend_url else "sqlite"
    memory = ""
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(backend, Path(tmp)) as url:
        started = time.perf_counter()
        fill(url, Path(tmp), roles, policies)
        filled = time.perf_counter() - started
        if in_process:
            walks, inside = _walk_in_process(url, Path(tmp), listings)
        else:
            server = LoggingServer(Path(tmp), url).start()
            try:
                iam = server.client("iam")
                walks = {name: walk(iam, op, **kw) for name, (op, kw) in listings.items()}
                assert server.process is not None
                memory = ", server " + _memory(server.process.pid)
            finally:
                log = server.stop()
            inside = {name: server_times(log, name) for name in listings}
    print(
        f"{backend}: {entities} entities = {roles} roles + {policies} policies, "
        f"{roles * 2} attachments (filled in {filled:.1f}s){memory}"
    )
    out: dict[str, dict[str, float]] = {}
    for name, (times, warm_up) in walks.items():
        timed = inside[name][warm_up:]
        out[name] = {
            "pages": len(times),
            "client_p50": pct(times, 50),
            "client_p99": pct(times, 99),
            "server_p50": pct(timed, 50),
            "server_p99": pct(timed, 99),
        }
    return out


def _memory(pid: int) -> str:
    """The server process's resident memory now and at its peak (``/proc``), after every
    listing was walked four times."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return f"RSS {status['VmRSS'].strip()} (peak {status['VmHWM'].strip()})"


def _walk_in_process(
    url: str, data_dir: Path, listings: dict[str, tuple[str, dict[str, str]]]
) -> tuple[dict[str, tuple[list[float], int]], dict[str, list[float]]]:
    """Each listing walked through an in-process node: the walks, and the CPU milliseconds
    of every page (warm-up included, as the server's log has them)."""
    node = InProcessNode(url, data_dir, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    walks, inside = {}, {}
    try:
        iam = node.client("iam")
        for name, (op, kw) in listings.items():
            first = len(node.cpu_ms)
            walks[name] = walk(iam, op, **kw)
            inside[name] = node.cpu_ms[first:]
    finally:
        node.close()
    return walks, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--entities", default="1000,7000,10000", help="account sizes to compare")
    parser.add_argument(
        "--in-process", action="store_true", help="CPU time of the pipeline in this process"
    )
    parser.add_argument(
        "--listings",
        default="ListPolicies,GetAccountAuthorizationDetails",
        help=f"which of {','.join(LISTINGS)} to walk",
    )
    parser.add_argument(
        "--policies", type=int, help="customer managed policies (default: 0.4 per role)"
    )
    args = parser.parse_args()
    if args.database_url:
        os.environ["ROLEGATE_TEST_POSTGRES_URL"] = args.database_url
    sizes = [int(s) for s in args.entities.split(",")]
    listings = {name: LISTINGS[name] for name in args.listings.split(",")}
    results = {
        size: measure(args.database_url, size, args.in_process, listings, args.policies)
        for size in sizes
    }
    inside = "pipeline CPU" if args.in_process else "server"

    baseline = results[sizes[0]]
    print(f"\npages of 100; ratio = this size / {sizes[0]} entities (same run)")
    for name in listings:
        print(f"  {name}")
        for size in sizes:
            r, b = results[size][name], baseline[name]
            verdict = "ok" if r["server_p99"] < TARGET_P99_MS else "over 20 ms"
            print(
                f"    {size:6d} entities  pages={int(r['pages']):4d}  "
                f"client p50={r['client_p50']:5.1f} p99={r['client_p99']:5.1f} ms  "
                f"{inside} p50={r['server_p50']:5.1f} p99={r['server_p99']:5.1f} ms ({verdict})  "
                f"ratio p50={r['server_p50'] / b['server_p50']:4.2f} "
                f"p99={r['server_p99'] / b['server_p99']:4.2f}"
            )


if __name__ == "__main__":
    main()
