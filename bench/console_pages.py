"""Every console page in an account of 5,000 roles (issue 19: every page renders in under 300 ms
server-side with 5,000 roles in the account).

The account is filled through the store as ``bench/policy_listing.py`` does (not timed). The
console is built in this process as ``rolegate serve`` builds it (``ConsoleApp`` over the
server's pipeline), signed in as the root user, and each page is asked of
``ConsoleApp.handle``, which is what a browser's request runs on the server once its bytes are
read: the page's IAM, STS and CloudTrail calls, signed with the session's credentials and
answered by the pipeline, then the HTML. Per page: the first request, then the median and the
worst of ``--repeat`` more, in wall-clock milliseconds, with the load average (the machine is
shared). The access graph is measured on its own by ``bench/console_graph.py``.

    .venv/bin/python bench/console_pages.py
    .venv/bin/python bench/console_pages.py --roles 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _console import signed_in_root
from rolegate.console.app import ConsoleApp
from rolegate.console.http import Request
from rolegate.console.session import COOKIE


def pages(role: str) -> tuple[tuple[str, str, dict[str, str]], ...]:
    """(title, path, query) of each page; ``role`` one of the account's roles."""
    return (
        ("dashboard", "/", {}),
        ("roles, first page", "/roles", {}),
        ("roles, a search with no match", "/roles", {"q": "no-such-role"}),
        ("roles, filtered by trusted entity", "/roles", {"type": "service"}),
        ("role", f"/roles/{role}", {}),
        ("role, trust editor", f"/roles/{role}/trust", {}),
        ("role, edit", f"/roles/{role}/edit", {}),
        ("delete roles", "/delete-roles", {"r0": role}),
        ("create role", "/create-role", {}),
        ("switch role", "/switch-role", {}),
        ("users", "/users", {}),
        ("groups", "/groups", {}),
        ("policies", "/policies", {}),
        ("providers", "/providers", {}),
        ("simulator", "/simulator", {}),
        ("event history", "/events", {}),
    )


async def _sync(fn: Any, *args: Any) -> Any:  # ConsoleApp's run_sync: unused by ``handle``
    return fn(*args)


def measure(roles: int, repeat: int) -> list[tuple[str, float, float, float, int]]:
    with signed_in_root(roles) as signed:
        console = ConsoleApp(signed.backend, signed.runtime.ring, _sync)
        cookies = {COOKIE: console.sealer.seal(signed.session)}
        rows = []
        for title, path, query in pages(f"role-{roles // 2:05d}"):
            request = Request("GET", path, query, {}, cookies, False)

            def timed(request: Request = request, title: str = title) -> tuple[float, int]:
                started = time.perf_counter()
                reply = console.handle(request)
                took = (time.perf_counter() - started) * 1000
                assert reply.status == 200, (title, reply.status, reply.body[:300])
                return took, len(reply.body)

            first, size = timed()
            rest = [timed()[0] for _ in range(repeat)]
            rows.append((title, first, statistics.median(rest), max(rest), size))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    before = os.getloadavg()[0]
    rows = measure(args.roles, args.repeat)
    print(f"{args.roles:,} roles; load average {before:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"{'page':36} {'first ms':>9} {'p50 ms':>8} {'max ms':>8} {'KiB':>6}")
    for title, first, median, worst, size in rows:
        print(f"{title:36} {first:9.1f} {median:8.1f} {worst:8.1f} {size / 1024:6.0f}")
    slowest = max(max(first, worst) for _, first, _, worst, _ in rows)
    print(f"slowest request: {slowest:.1f} ms (target: under 300 ms)")


if __name__ == "__main__":
    main()
