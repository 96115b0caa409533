"""Issue 4's AssumeRole benchmark: rolegate against moto_server, same mix, same run.

A user with two policies (inline: sts:AssumeRole on the roles; attached managed: iam:GetRole,
iam:ListRoles) assumes roles whose trust policy allows it on an ``sts:ExternalId`` condition,
and role sessions call back with their temporary credentials. The timed mix, equally weighted:

- ``AssumeRole``, signed by the user, a fresh RoleSessionName per call, with the ExternalId;
- ``SessionGetCallerIdentity`` and ``SessionGetRole``, signed with a role session's temporary
  credentials (X-Amz-Security-Token); each connection assumes its role once, untimed.

Setup, rounds, windows and the report are ``bench/api.py``'s (see docs/benchmarks.md). The
verdict is issue 4's target: AssumeRole at least 5x moto's throughput, AssumeRole p99 under
25 ms.

    .venv/bin/python bench/assume_role.py            # full run, about a minute
    .venv/bin/python bench/assume_role.py --quick
    .venv/bin/python bench/assume_role.py --only rolegate --quick \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

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
from _driver import LoadShape
from _report import TargetSummary, operation_verdict
from _role_sessions import ASSUME_ROLE, MIX, SESSION, open_sessions, prepare_caller_and_roles
from _scenarios import RunContext
from _targets import Target

THROUGHPUT_RATIO_TARGET = 5.0  # AssumeRole, rolegate / moto (issue 4)
P99_TARGET_MS = 25.0  # AssumeRole (issue 4)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s per target")
    add_load_arguments(parser)
    parser.add_argument("--roles", type=int, default=100, help="roles to assume (default 100)")
    parser.add_argument(
        "--assume-role-alone",
        action="store_true",
        help="time AssumeRole alone instead of the mix (in the closed-loop mix every operation "
        "gets the same share, so AssumeRole's rate there is the mix's rate / 3)",
    )
    arguments = parser.parse_args(argv)
    apply_window_defaults(arguments)
    if arguments.seconds / arguments.rounds > 180:
        parser.error("windows above 180 s: requests are signed ahead (valid for 5 min)")
    if arguments.roles < 1:
        parser.error("--roles must be at least 1")
    return arguments


def start_and_prepare(
    target: Target, roles: int, connections: int, stack: ExitStack
) -> Contestant | None:
    """Start ``target``, create the user, roles and sessions; None (after saying why) on failure."""
    name = target.describe()
    print(f"[{name}] starting", flush=True)
    try:
        stack.enter_context(target)
    except (RuntimeError, OSError) as error:
        print(f"[{name}] could not start: {error}")
        return None
    context = RunContext(target.account_id, roles)
    try:
        caller = prepare_caller_and_roles(target.endpoint, context)
        sessions = open_sessions(caller, context, connections)
    except RuntimeError as error:
        print(f"[{name}] setup failed: {error}")
        return None
    print(f"[{name}] {roles} roles, the caller and {connections} role sessions ready", flush=True)
    other_credentials = [{SESSION: session} for session in sessions]
    return Contestant(target, caller, context, other_credentials)


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)  # so the servers and scratch state go too
    mix = MIX[:1] if arguments.assume_role_alone else MIX
    shape = LoadShape(
        processes=arguments.processes,
        connections_per_process=arguments.connections,
        seconds=arguments.seconds,
        warmup_seconds=arguments.warmup_seconds,
    )
    print(
        f"AssumeRole benchmark (issue 4): {os.cpu_count()} cores; {shape.processes} client "
        f"processes x {shape.connections_per_process} connections; {arguments.roles} roles; "
        f"{arguments.rounds} round(s) of {shape.warmup_seconds:g} s warm-up + "
        f"{shape.seconds / arguments.rounds:g} s timed per target; "
        f"mix {','.join(scenario.name for scenario in mix)}; {versions()}",
        flush=True,
    )

    def prepare(target: Target, stack: ExitStack) -> Contestant | None:
        return start_and_prepare(target, arguments.roles, shape.connections, stack)

    return run_contest(arguments, mix, shape, prepare, verdicts)


def verdicts(summaries: Sequence[TargetSummary]) -> bool:
    baseline = next((s for s in summaries if s.target == "moto"), None)
    all_met = True
    for candidate in summaries:
        if candidate.target.startswith("rolegate"):
            lines, met = operation_verdict(
                baseline, candidate, ASSUME_ROLE, THROUGHPUT_RATIO_TARGET, P99_TARGET_MS
            )
            print("\n".join(lines))
            all_met = all_met and met
    return all_met


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
