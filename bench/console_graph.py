"""The console's access graph page (``/console/graph``) in accounts of 1,000 and 5,000 roles
(issue 19: every page under 300 ms server-side at 5,000 roles).

Each account is filled through the store as ``bench/policy_listing.py`` does (not timed); the
page is then built in this process by the console's own code (``GraphPage`` over the server's
pipeline, signed in as the root user). Measured, in wall-clock milliseconds:

* the cold build, done on a worker thread (``console.graph_cache``): reading the account
  through GetAccountAuthorizationDetails answered in process as results, against the baseline
  of the same read answered as XML and parsed back (the console's other pages), measured in the
  same run; then computing the graph and the page's fixed parts;
* the requests: the first (which waits for the build at most ``graph_cache.WAIT`` seconds, then
  says it is computing) and how long until the drawing is shown; the drawing kept (p50 of 5);
  after a change (a trust policy updated), the next request (the previous drawing, "recomputing")
  and how long until the new one is shown; drawn around one role (p50 of 3: an account of more
  than 300 nodes is drawn around a chosen node); a path explained, from ec2.amazonaws.com to a
  role, and a path refused and explained, between two roles (p50 of 3 each).

The load average is printed with each line: the machine is shared.

    .venv/bin/python bench/console_graph.py
    .venv/bin/python bench/console_graph.py --roles 1000,5000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _console import signed_in_root
from policy_listing import TRUST
from rolegate.console.api import ApiClient, SessionCredentials
from rolegate.console.graph_page import GraphPage
from rolegate.console.http import Request
from rolegate.graph import build_graph
from rolegate.server.gc_tuning import tune_for_serving

from harness import ACCOUNT_ID

_POLL = 0.05  # seconds between requests while the drawing is being computed


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def measure(roles: int) -> tuple[dict[str, float], dict[str, str]]:
    with signed_in_root(roles) as signed:
        tune_for_serving()  # as ``rolegate serve`` does once started
        backend, session = signed.backend, signed.session
        creds = session.acting
        api = ApiClient(backend.transport, backend.region, backend.decoded_transport)
        xml = GraphPage(ApiClient(backend.transport, backend.region), backend.change_serial)
        graph = GraphPage(api, backend.change_serial)
        got: dict[str, float] = {}
        states: dict[str, str] = {}

        started = time.perf_counter()
        xml._view(creds, ACCOUNT_ID)
        got["read_xml"] = _ms(started)
        started = time.perf_counter()
        view = graph._view(creds, ACCOUNT_ID)
        got["read"] = _ms(started)
        started = time.perf_counter()
        build_graph([view])
        got["graph"] = _ms(started)
        started = time.perf_counter()
        graph._compute(creds, ACCOUNT_ID)
        got["build"] = _ms(started)

        def timed(args: dict[str, str] | None = None) -> tuple[float, str]:
            started = time.perf_counter()
            reply = graph.graph(Request("GET", "/graph", args or {}, {}, {}, False), session)
            took = _ms(started)
            assert reply.status == 200, reply.body[:300]
            got["kib"] = len(reply.body) / 1024
            body = reply.body.decode()
            state = (
                "computing"
                if 'id="graph-computing"' in body
                else "recomputing"
                if "recomputing:" in body
                else "current"
            )
            return took, state

        def until_current(started: float) -> float:
            while timed()[1] != "current":
                time.sleep(_POLL)
            return _ms(started)

        started = time.perf_counter()
        got["first"], states["first"] = timed()
        got["first_current"] = until_current(started)
        got["kept"] = statistics.median(timed()[0] for _ in range(5))
        _change(api, creds)
        started = time.perf_counter()
        got["changed"], states["changed"] = timed()
        got["changed_current"] = until_current(started)
        focus = f"arn:aws:iam::{ACCOUNT_ID}:role/role-00001"
        got["focused"] = statistics.median(timed({"focus": focus})[0] for _ in range(3))
        other = f"arn:aws:iam::{ACCOUNT_ID}:role/role-00002"
        path = {"from": "ec2.amazonaws.com", "to": other}
        got["path"] = statistics.median(timed(path)[0] for _ in range(3))
        refused = {"from": focus, "to": other}
        got["no_path"] = statistics.median(timed(refused)[0] for _ in range(3))
    return got, states


def _change(api: ApiClient, creds: SessionCredentials) -> None:
    """role-00000 trusted by another service (the account is at its quota of roles)."""
    trust = TRUST.replace("ec2.amazonaws.com", "lambda.amazonaws.com")
    params = {"RoleName": "role-00000", "PolicyDocument": trust}
    api.call(creds, "iam", "UpdateAssumeRolePolicy", params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", default="1000,5000")
    args = parser.parse_args()
    for roles in (int(n) for n in args.roles.split(",")):
        load = os.getloadavg()[0]
        got, states = measure(roles)
        print(
            f"{roles:>6} roles (load {load:.1f}): cold build {got['build']:6.0f} ms "
            f"(read {got['read']:.0f} ms, x{got['read'] / got['read_xml']:.2f} of the XML read's "
            f"{got['read_xml']:.0f} ms; graph {got['graph']:.0f} ms)\n"
            f"    first request {got['first']:6.1f} ms ({states['first']}), drawn after "
            f"{got['first_current']:.0f} ms;  kept p50 {got['kept']:5.1f} ms;  after a change "
            f"{got['changed']:6.1f} ms ({states['changed']}), current after "
            f"{got['changed_current']:.0f} ms;  around a node p50 {got['focused']:5.1f} ms;  "
            f"a path p50 {got['path']:5.1f} ms;  no path p50 {got['no_path']:5.1f} ms;  "
            f"page {got['kib']:,.0f} KiB"
        )


if __name__ == "__main__":
    main()
