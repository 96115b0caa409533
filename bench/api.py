"""API benchmark: rolegate against moto_server, same mix, same machine, same run (issue 2).

Every target server is started on a free loopback port and 1,000 roles are created in it (not
timed). Then the targets take turns, in rounds: each window is a short untimed warm-up followed by
SigV4-signed requests of the mix for a fixed time, sent from separate client processes over
kept-alive HTTP connections. Alternating windows keeps drifting background load on this shared
machine from favouring one target. The report gives req/s, p50 and p99 per
operation and overall, the rolegate/moto ratio and the verdict against the targets (at least 5x
moto's throughput, p99 under 20 ms). See docs/benchmarks.md.

    .venv/bin/python bench/api.py                 # full run, about 1.5 minutes
    .venv/bin/python bench/api.py --quick --only moto
    .venv/bin/python bench/api.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Exit status: 1 if a run failed (a server did not start, setup failed, rolegate answered a request
wrongly, moto's errors exceeded 1%); with --check-targets, 2 if the run was clean but a target was
missed; otherwise 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import ExitStack

from _contest import (
    Contestant,
    add_load_arguments,
    apply_window_defaults,
    run_contest,
    stop_on_sigterm,
    versions,
)
from _driver import LoadShape, run_setup
from _http import Call, SignedClient, answer_texts, describe_failure
from _principals import PRINCIPALS, endpoint_for
from _report import TargetSummary, check_targets_alone, compare
from _scenarios import DEFAULT_MIX, NEW_ROLE_PATH, SCENARIOS, RunContext, preload_role_call
from _targets import Target


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 roles, 3 s per target")
    add_load_arguments(parser)
    parser.add_argument("--roles", type=int, help="roles created before timing (default 1000)")
    parser.add_argument(
        "--sign-inline",
        action="store_true",
        help="sign each request inside the timed loop (default: signed just before the timing)",
    )
    parser.add_argument(
        "--principal",
        choices=PRINCIPALS,
        default="root",
        help="sign the mix as the root user (default) or as an IAM user allowed everything",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_MIX),
        help=f"comma-separated mix (default {','.join(DEFAULT_MIX)}; known: {','.join(SCENARIOS)})",
    )
    arguments = parser.parse_args(argv)
    arguments.roles = arguments.roles or (200 if arguments.quick else 1000)
    apply_window_defaults(arguments)
    if not arguments.sign_inline and arguments.seconds / arguments.rounds > 180:
        parser.error("windows above 180 s need --sign-inline (signatures expire after 5 min)")
    unknown = [name for name in arguments.scenarios.split(",") if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}")
    return arguments


def start_and_prepare(
    target: Target, roles: int, principal: str, stack: ExitStack
) -> Contestant | None:
    """Start ``target``, preload roles, make the principal; None (after printing why) on failure."""
    name = target.describe()
    print(f"[{name}] starting", flush=True)
    try:
        stack.enter_context(target)
    except (RuntimeError, OSError) as error:
        print(f"[{name}] could not start: {error}")
        return None
    context = RunContext(target.account_id, roles)
    preload = (preload_role_call(context, index) for index in range(roles))
    failures = run_setup(target.endpoint, preload, target.setup_connections)
    if failures:
        print(f"[{name}] setup failed ({len(failures)} calls), e.g. {failures[0]}")
        return None
    listed = first_page_size(target)
    if listed != min(roles, 100):
        print(f"[{name}] note: ListRoles' first page holds {listed} roles, expected 100")
    try:
        endpoint = endpoint_for(principal, target.endpoint)
    except RuntimeError as error:
        print(f"[{name}] setup failed: {error}")
        return None
    print(f"[{name}] {roles} roles created; the mix runs as {principal}", flush=True)
    return Contestant(target, endpoint, context)


def remove_new_roles(target: Target) -> None:
    """Delete the roles the window's CreateRole calls made (not timed), so every window starts
    with the preloaded roles only: ListRoles then always runs against the same account, and a
    fast server stays under AWS's 5,000-roles quota however many windows it runs."""
    client = SignedClient(target.endpoint)
    names: list[str] = []
    marker = None
    while True:
        params: tuple[tuple[str, str], ...] = (("PathPrefix", NEW_ROLE_PATH), ("MaxItems", "1000"))
        params += (("Marker", marker),) if marker else ()
        outcome = client.send(Call("iam", "ListRoles", params))
        if not outcome.succeeded("ListRoles"):
            raise RuntimeError(f"ListRoles for the clean-up failed: {describe_failure(outcome)}")
        names += answer_texts(outcome.body, "RoleName")
        markers = answer_texts(outcome.body, "Marker")
        if answer_texts(outcome.body, "IsTruncated") != ["true"] or not markers:
            break
        marker = markers[0]
    client.close()
    deletions = (Call("iam", "DeleteRole", (("RoleName", name),)) for name in names)
    failures = run_setup(target.endpoint, deletions, target.setup_connections)
    if failures:
        raise RuntimeError(f"clean-up failed ({len(failures)} calls), e.g. {failures[0]}")


def first_page_size(target: Target) -> int:
    """How many roles an unparameterised ListRoles returns (both servers should say 100)."""
    client = SignedClient(target.endpoint)
    outcome = client.send(Call("iam", "ListRoles"))
    client.close()
    return outcome.body.count(b"<RoleName>") if outcome.succeeded("ListRoles") else -1


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)  # so the servers and scratch state go too
    mix = [SCENARIOS[name] for name in arguments.scenarios.split(",")]
    shape = LoadShape(
        processes=arguments.processes,
        connections_per_process=arguments.connections,
        seconds=arguments.seconds,
        warmup_seconds=arguments.warmup_seconds,
        sign_ahead=not arguments.sign_inline,
    )
    print(
        f"API benchmark: {os.cpu_count()} cores; {shape.processes} client processes x "
        f"{shape.connections_per_process} connections; {arguments.roles} roles preloaded; "
        f"{arguments.rounds} round(s) of {shape.warmup_seconds:g} s warm-up + "
        f"{shape.seconds / arguments.rounds:g} s timed per target; "
        f"mix {arguments.scenarios}; "
        f"signed {'in the timed loop' if arguments.sign_inline else 'ahead of the timed loop'}; "
        f"{versions()}",
        flush=True,
    )

    def prepare(target: Target, stack: ExitStack) -> Contestant | None:
        return start_and_prepare(target, arguments.roles, arguments.principal, stack)

    return run_contest(arguments, mix, shape, prepare, verdicts, remove_new_roles)


def verdicts(summaries: Sequence[TargetSummary]) -> bool:
    baseline = next((s for s in summaries if s.target == "moto"), None)
    all_met = True
    for candidate in summaries:
        if not candidate.target.startswith("rolegate"):
            continue
        if baseline is None:
            lines, met = check_targets_alone(candidate)
        else:
            lines, met = compare(baseline, candidate)
        print("\n".join(lines))
        all_met = all_met and met
    return all_met


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
