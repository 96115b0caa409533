"""The console's access graph page (``/console/graph``) in accounts of 1,000 and 5,000 roles
(issue 19: every page under 300 ms server-side at 5,000 roles).

Each account is filled through the store as ``bench/policy_listing.py`` does (not timed); the
page is then built in this process by the console's own code (``GraphPage`` over the server's
pipeline, signed in as the root user): once cold (the account read through
GetAccountAuthorizationDetails and the graph computed), then warm five times (the same request:
the computed drawing kept, ``console.graph_cache``), then with "Recompute" (read and computed
again), then drawn around one role (three times: an account of more than 300 nodes is drawn
around a chosen node). Reported: wall-clock milliseconds, and the load average, since the
machine is shared.

    .venv/bin/python bench/console_graph.py
    .venv/bin/python bench/console_graph.py --roles 1000,5000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policy_listing import fill
from rolegate.console.api import ApiClient
from rolegate.console.graph_page import GraphPage
from rolegate.console.http import Request
from rolegate.console.session import new_session
from rolegate.server.app import build_runtime
from rolegate.server.console_backend import ServerBackend
from rolegate.server.settings import Settings

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET


def measure(roles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url("sqlite", Path(tmp)) as url:
        fill(url, Path(tmp), roles)
        settings = Settings(
            data_dir=Path(tmp),
            database_url=url,
            default_account_id=ACCOUNT_ID,
            root_access_key_id=ROOT_KEY_ID,
            root_secret_access_key=ROOT_SECRET,
        )
        runtime = build_runtime(settings)
        try:
            backend = ServerBackend(runtime.pipeline, settings.region, runtime.cloudtrail)
            signed = backend.sign_in_root(ROOT_KEY_ID, ROOT_SECRET)
            assert signed.credentials is not None
            now = int(time.time())
            session = new_session(
                signed.account_id, signed.principal_arn, signed.credentials, signed.expires_at, now
            )
            api = ApiClient(backend.transport, settings.region, backend.decoded_transport)
            graph = GraphPage(api)
            request = Request("GET", "/graph", {}, {}, {}, False)

            size = [0]

            def timed() -> float:
                started = time.perf_counter()
                reply = graph.graph(request, session)
                assert reply.status == 200, reply.body[:300]
                size[0] = len(reply.body)
                return (time.perf_counter() - started) * 1000

            cold = timed()
            warm = [timed() for _ in range(5)]
            request = Request("GET", "/graph", {"recompute": "1"}, {}, {}, False)
            recomputed = timed()
            focus = f"arn:aws:iam::{ACCOUNT_ID}:role/role-00001"
            request = Request("GET", "/graph", {"focus": focus}, {}, {}, False)
            focused = statistics.median(timed() for _ in range(3))
        finally:
            runtime.store.close()
    return {
        "cold": cold,
        "warm": statistics.median(warm),
        "recomputed": recomputed,
        "focused": focused,
        "kib": size[0] / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", default="1000,5000")
    args = parser.parse_args()
    for roles in (int(n) for n in args.roles.split(",")):
        load = os.getloadavg()[0]
        got = measure(roles)
        print(
            f"{roles:>6} roles: cold {got['cold']:8.0f} ms  warm p50 {got['warm']:6.1f} ms  "
            f"recomputed {got['recomputed']:8.0f} ms  around a node {got['focused']:6.1f} ms  "
            f"page {got['kib']:,.0f} KiB  (load {load:.1f})"
        )


if __name__ == "__main__":
    main()
