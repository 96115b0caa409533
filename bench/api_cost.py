"""Server CPU per request, per operation: rolegate against moto_server, same calls, same run.

``bench/api.py`` measures throughput and latency under load, which on a shared 2-core machine
move with whatever else runs. The server's own CPU time per request moves much less, and it is
what bounds throughput: one rolegate worker serves at most about 1 / (CPU per request). Here each
target gets the API benchmark's setup (roles preloaded, optionally the IAM user), then each
operation of the mix is sent ``--requests`` times in a row over one kept-alive connection (signed
ahead), and the server's user+system CPU (its whole process tree, from /proc) is read around
each batch. Wall time per request is shown too (it includes the fsync of writes).

    .venv/bin/python bench/api_cost.py                      # root-signed issue-2 mix
    .venv/bin/python bench/api_cost.py --principal user --scenarios GetRole,AssumeRole
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from _driver import run_setup
from _http import SignedClient, describe_failure
from _principals import PRINCIPALS, endpoint_for
from _scenarios import DEFAULT_MIX, SCENARIOS, RunContext, preload_role_call
from _targets import MotoTarget, RolegateTarget, Target


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=1000, help="roles created before measuring")
    parser.add_argument("--requests", type=int, default=300, help="requests per operation")
    parser.add_argument("--scenarios", default=",".join(DEFAULT_MIX), help="operations, by name")
    parser.add_argument("--principal", choices=PRINCIPALS, default="root")
    parser.add_argument("--database-url", help="measure rolegate on this PostgreSQL server too")
    parser.add_argument("--only", choices=("moto", "rolegate"), help="measure one side only")
    return parser.parse_args(argv)


def measure(target: Target, args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    """{operation: (server CPU ms per request, wall ms per request)}."""
    context = RunContext(target.account_id, args.roles)
    failures = run_setup(
        target.endpoint,
        (preload_role_call(context, i) for i in range(args.roles)),
        target.setup_connections if target.name == "rolegate" else 1,  # moto: see api.py docs
    )
    if failures:
        raise RuntimeError(f"{target.describe()}: setup failed: {failures[0]}")
    endpoint = endpoint_for(args.principal, target.endpoint)
    client = SignedClient(endpoint)
    results: dict[str, tuple[float, float]] = {}
    try:
        for window, name in enumerate(args.scenarios.split(","), start=1):
            scenario = SCENARIOS[name]
            run_context = RunContext(target.account_id, args.roles, window)
            calls = [scenario.make(run_context, 0, n) for n in range(args.requests + 20)]
            prepared = [client.prepare(call) for call in calls]
            for request in prepared[:20]:  # warm-up: caches, plans, connection
                client.send_prepared(request)
            cpu, started = target.server_cpu_seconds(), time.perf_counter()
            for call, request in zip(calls[20:], prepared[20:], strict=True):
                outcome = client.send_prepared(request)
                if not outcome.succeeded(call.action):
                    raise RuntimeError(f"{target.describe()} {name}: {describe_failure(outcome)}")
            wall = time.perf_counter() - started
            cpu = target.server_cpu_seconds() - cpu
            results[name] = (cpu * 1000 / args.requests, wall * 1000 / args.requests)
    finally:
        client.close()
    return results


def main(argv: Sequence[str]) -> int:
    args = parse_arguments(argv)
    targets: list[Target] = []
    if args.only != "rolegate":
        targets.append(MotoTarget())
    if args.only != "moto":
        targets.append(RolegateTarget())
        if args.database_url:
            targets.append(RolegateTarget(args.database_url))
    measured: dict[str, dict[str, tuple[float, float]]] = {}
    for target in targets:
        print(f"[{target.describe()}] measuring", file=sys.stderr)
        with target:
            measured[target.describe()] = measure(target, args)
    operations = args.scenarios.split(",")
    baseline = measured.get(MotoTarget.name)
    header = f"{'CPU ms/req':>11} {'wall ms/req':>12} {'CPU vs moto':>12}"
    print(f"{'target':32} {'operation':18} {header}")
    for name, results in measured.items():
        for operation in operations:
            cpu, wall = results[operation]
            ratio = ""
            if baseline is not None and results is not baseline:
                ratio = f"{baseline[operation][0] / cpu:10.1f}x"
            print(f"{name:32} {operation:18} {cpu:11.2f} {wall:12.2f} {ratio:>12}")
        mean = sum(results[op][0] for op in operations) / len(operations)
        ratio = ""
        if baseline is not None and results is not baseline:
            base_mean = sum(baseline[op][0] for op in operations) / len(operations)
            ratio = f"{base_mean / mean:10.1f}x"
        print(f"{name:32} {'mean of the mix':18} {mean:11.2f} {'':12} {ratio:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
