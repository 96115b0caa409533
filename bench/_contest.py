"""What the HTTP benchmarks (``api.py``, ``assume_role.py``) share around the load driver.

The targets to run, a started and prepared target (a ``Contestant``), the rounds in which the
targets take turns, the per-target summary, the JSON settings and the clean-up on SIGTERM.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _driver import LoadResult, LoadShape, combine, run_load
from _http import Endpoint
from _report import TargetSummary, format_table, run_failures, summarize, to_json
from _scenarios import RunContext, Scenario
from _targets import MotoTarget, RolegateTarget, Target


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every HTTP benchmark takes: targets, window shape, output."""
    parser.add_argument("--only", choices=("moto", "rolegate"), help="run one side only")
    parser.add_argument(
        "--database-url",
        help="also run rolegate on PostgreSQL: a scratch database is created on this server",
    )
    parser.add_argument("--seconds", type=float, help="timed seconds per target (default 20)")
    parser.add_argument("--rounds", type=int, help="windows per target, alternated (default 4)")
    parser.add_argument("--warmup-seconds", type=float, help="untimed load per window (default 2)")
    parser.add_argument("--processes", type=int, default=2, help="client processes (default 2)")
    parser.add_argument(
        "--connections", type=int, default=2, help="connections per client process (default 2)"
    )
    parser.add_argument("--rolegate-workers", type=int, default=1, help="rolegate serve --workers")
    parser.add_argument("--rolegate-threads", type=int, help="rolegate serve --threads")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--check-targets", action="store_true", help="exit with status 2 when a target is missed"
    )


def apply_window_defaults(arguments: argparse.Namespace) -> None:
    """Window shape left unset: 20 s in 4 rounds after 2 s of warm-up (``--quick``: 3 s, 1, 1 s)."""
    arguments.seconds = arguments.seconds or (3.0 if arguments.quick else 20.0)
    arguments.rounds = arguments.rounds or (1 if arguments.quick else 4)
    arguments.warmup_seconds = arguments.warmup_seconds or (1.0 if arguments.quick else 2.0)


def targets_for(
    only: str | None, database_url: str | None, workers: int, threads: int | None = None
) -> list[Target]:
    """moto, rolegate on SQLite and, with ``database_url``, rolegate on PostgreSQL
    (``threads``: ``rolegate serve --threads``, None for its default)."""
    targets: list[Target] = []
    if only in (None, "moto"):
        targets.append(MotoTarget())
    if only in (None, "rolegate"):
        targets.append(RolegateTarget(workers=workers, threads=threads))
        if database_url:
            targets.append(RolegateTarget(database_url, workers, threads))
    return targets


@dataclass
class Contestant:
    """A started target with its setup done, and what its timed windows gathered so far."""

    target: Target
    endpoint: Endpoint  # the server, with the credentials of the principal the mix runs as
    context: RunContext
    # per connection: further credential sets its scenarios may sign with (empty: none)
    other_credentials: Sequence[Mapping[str, Endpoint]] = ()
    results: list[LoadResult] = field(default_factory=list)


def run_rounds(
    contestants: Sequence[Contestant],
    mix: Sequence[Scenario],
    shape: LoadShape,
    rounds: int,
    after_window: Callable[[Target], None] | None = None,
) -> None:
    """Alternate the targets' windows, so drifting background load hits every target alike.
    ``after_window(target)`` runs (untimed) after each of the target's windows."""
    window = replace(shape, seconds=shape.seconds / rounds)
    for round_number in range(1, rounds + 1):
        for contestant in contestants:
            target = contestant.target
            print(f"[{target.describe()}] round {round_number}/{rounds}", flush=True)
            context = replace(contestant.context, window=round_number)
            result = run_load(
                contestant.endpoint,
                context,
                mix,
                window,
                target.server_cpu_seconds,
                contestant.other_credentials,
            )
            contestant.results.append(result)
            if after_window is not None:
                after_window(target)


def summarize_contestant(contestant: Contestant) -> TargetSummary:
    name = contestant.target.describe()
    result = combine(contestant.results)
    for operation, samples in result.per_scenario.items():
        for sample in samples.error_samples:
            print(f"[{name}] {operation} error: {sample}")
    return summarize(name, result)


def json_settings(arguments: argparse.Namespace) -> dict[str, object]:
    """The run's settings for ``--json``: the arguments (password masked), cores, versions."""
    settings = {key: value for key, value in vars(arguments).items() if key != "json"}
    settings["database_url"] = without_password(arguments.database_url)
    settings["cores"] = os.cpu_count()
    settings["versions"] = versions()
    return settings


def stop_on_sigterm(signal_number: int, frame: object) -> None:
    raise SystemExit(128 + signal_number)


def versions() -> str:
    """The baseline's and the client's versions, for the record."""
    return ", ".join(f"{name} {version(name)}" for name in ("moto", "werkzeug", "botocore"))


def without_password(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def run_contest(
    arguments: argparse.Namespace,
    mix: Sequence[Scenario],
    shape: LoadShape,
    prepare: Callable[[Target, ExitStack], Contestant | None],
    verdicts: Callable[[Sequence[TargetSummary]], bool],
    after_window: Callable[[Target], None] | None = None,
) -> int:
    """Start and ``prepare`` every target of ``arguments``, run the rounds, print the table and
    the ``verdicts``; the exit status: 1 if a run failed, 2 with ``--check-targets`` if a target
    was missed, else 0. Every server runs until the end; only one is loaded at a time."""
    failures: list[str] = []
    with ExitStack() as stack:
        contestants = []
        for target in targets_for(
            arguments.only,
            arguments.database_url,
            arguments.rolegate_workers,
            arguments.rolegate_threads,
        ):
            contestant = prepare(target, stack)
            if contestant is None:
                failures.append(f"{target.describe()}: did not run")
            else:
                contestants.append(contestant)
        run_rounds(contestants, mix, shape, arguments.rounds, after_window)
    summaries = [summarize_contestant(contestant) for contestant in contestants]
    failures += [failure for summary in summaries if (failure := run_failures(summary))]
    print()
    print(format_table(summaries))
    print()
    targets_met = verdicts(summaries)
    if arguments.json:
        Path(arguments.json).write_text(to_json(json_settings(arguments), summaries) + "\n")
    if failures:
        print(f"RUN FAILED: {'; '.join(failures)} (see above)")
        return 1
    return 2 if arguments.check_targets and not targets_met else 0
