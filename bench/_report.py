"""Turn load results into the summary table, the rolegate/moto ratios and the verdict."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from _driver import LoadResult

OVERALL = "ALL"
THROUGHPUT_RATIO_TARGET = 5.0
BASELINE_ERROR_RATE_TOLERATED = 0.01
P99_TARGET_MS = 20.0


def percentile(sorted_values: Sequence[int], fraction: float) -> int:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of values <= it."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True, slots=True)
class Row:
    operation: str
    count: int
    errors: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True, slots=True)
class TargetSummary:
    target: str
    rows: tuple[Row, ...]  # one per scenario, then OVERALL
    wall_seconds: float
    client_cpu_us_per_request: float
    server_cpu_ms_per_request: float
    signed_inline: int

    @property
    def overall(self) -> Row:
        return self.rows[-1]

    def row(self, operation: str) -> Row:
        return next(row for row in self.rows if row.operation == operation)


def summarize(target: str, result: LoadResult) -> TargetSummary:
    wall = max(result.wall_seconds, 1e-9)
    rows = [
        _row(name, samples.latencies_ns, samples.errors, wall)
        for name, samples in result.per_scenario.items()
    ]
    every_latency = [ns for s in result.per_scenario.values() for ns in s.latencies_ns]
    rows.append(_row(OVERALL, every_latency, result.errors, wall))
    requests = max(result.requests, 1)
    return TargetSummary(
        target=target,
        rows=tuple(rows),
        wall_seconds=result.wall_seconds,
        client_cpu_us_per_request=result.client_cpu_seconds / requests * 1e6,
        server_cpu_ms_per_request=result.server_cpu_seconds / requests * 1e3,
        signed_inline=result.signed_inline,
    )


def _row(operation: str, latencies_ns: list[int], errors: int, wall: float) -> Row:
    ordered = sorted(latencies_ns)
    return Row(
        operation=operation,
        count=len(ordered),
        errors=errors,
        requests_per_second=len(ordered) / wall,
        p50_ms=percentile(ordered, 0.50) / 1e6,
        p99_ms=percentile(ordered, 0.99) / 1e6,
    )


def format_table(summaries: Sequence[TargetSummary]) -> str:
    names = [row.operation for summary in summaries for row in summary.rows]
    width = max([18, *map(len, names)])  # the operation column
    header = f"{'target':<32} {'operation':<{width}} {'count':>7} {'errors':>6} "
    header += f"{'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
    lines = [header, "-" * len(header)]
    for summary in summaries:
        for row in summary.rows:
            lines.append(
                f"{summary.target:<32} {row.operation:<{width}} {row.count:>7} {row.errors:>6} "
                f"{row.requests_per_second:>9.1f} {row.p50_ms:>8.2f} {row.p99_ms:>8.2f}"
            )
        lines.append(
            f"{'':<32} wall {summary.wall_seconds:.1f} s; CPU per request: server "
            f"{summary.server_cpu_ms_per_request:.2f} ms, client "
            f"{summary.client_cpu_us_per_request:.0f} us"
            + (f"; {summary.signed_inline} signed in the window" if summary.signed_inline else "")
        )
    return "\n".join(lines)


def compare(baseline: TargetSummary, candidate: TargetSummary) -> tuple[list[str], bool]:
    """Lines describing candidate vs baseline, and whether the issue-2 targets are met.

    Targets: overall throughput at least 5x the baseline's, and p99 under 20 ms for every
    operation (stricter than the overall p99 alone, which a slow rare operation would hide).
    """
    ratio = candidate.overall.requests_per_second / max(baseline.overall.requests_per_second, 1e-9)
    lines = [f"{candidate.target} / {baseline.target}: throughput {ratio:.1f}x"]
    for row in candidate.rows[:-1]:
        base = baseline.row(row.operation)
        lines.append(
            f"  {row.operation:<18} p50 {base.p50_ms:7.2f} -> {row.p50_ms:6.2f} ms "
            f"({base.p50_ms / max(row.p50_ms, 1e-9):5.1f}x faster), "
            f"p99 {base.p99_ms:7.2f} -> {row.p99_ms:6.2f} ms"
        )
    worst = max(candidate.rows, key=lambda row: row.p99_ms)
    throughput_ok = ratio >= THROUGHPUT_RATIO_TARGET
    latency_ok = worst.p99_ms < P99_TARGET_MS
    lines.append(
        f"  verdict: throughput {ratio:.1f}x vs target >= {THROUGHPUT_RATIO_TARGET:.0f}x: "
        f"{'PASS' if throughput_ok else 'FAIL'}; worst p99 {worst.p99_ms:.2f} ms "
        f"({worst.operation}) vs target < {P99_TARGET_MS:.0f} ms: "
        f"{'PASS' if latency_ok else 'FAIL'}"
    )
    return lines, throughput_ok and latency_ok


def check_targets_alone(candidate: TargetSummary) -> tuple[list[str], bool]:
    """Without a baseline (``--only rolegate``) only the latency target can be judged."""
    worst = max(candidate.rows, key=lambda row: row.p99_ms)
    ok = worst.p99_ms < P99_TARGET_MS
    verdict = "PASS" if ok else "FAIL"
    line = f"{candidate.target}: worst p99 {worst.p99_ms:.2f} ms ({worst.operation}) vs < "
    line += f"{P99_TARGET_MS:.0f} ms: {verdict}; throughput ratio not measured (no moto run)"
    return [line], ok


def run_failures(summary: TargetSummary) -> str | None:
    """Why this target's run cannot be trusted, or None.

    rolegate must answer every request correctly. moto's IAM backend is not thread-safe: under
    concurrent CreateRole and ListRoles it sometimes answers 500 ("dictionary changed size during
    iteration"); up to 1% of such baseline errors is reported but tolerated.
    """
    overall = summary.overall
    if overall.count == 0:
        return f"{summary.target}: no request completed"
    if summary.target.startswith("rolegate"):
        return f"{summary.target}: {overall.errors} errors" if overall.errors else None
    if overall.errors / overall.count > BASELINE_ERROR_RATE_TOLERATED:
        return f"{summary.target}: {overall.errors} errors in {overall.count} requests (> 1%)"
    return None


def to_json(settings: dict[str, object], summaries: Sequence[TargetSummary]) -> str:
    """The run as JSON (``--json``): settings, then every target's rows and CPU figures."""
    baseline = next((s for s in summaries if s.target == "moto"), None)
    targets = []
    for summary in summaries:
        entry = asdict(summary)
        if baseline is not None and summary is not baseline:
            base_rate = max(baseline.overall.requests_per_second, 1e-9)
            entry["throughput_ratio_vs_moto"] = summary.overall.requests_per_second / base_rate
        targets.append(entry)
    return json.dumps({"settings": settings, "targets": targets}, indent=2)


def operation_verdict(
    baseline: TargetSummary | None,
    candidate: TargetSummary,
    operation: str,
    ratio_target: float,
    p99_target_ms: float,
) -> tuple[list[str], bool]:
    """One operation's targets: its throughput at least ``ratio_target`` x the baseline's and
    its p99 under ``p99_target_ms``; the whole mix's ratio is shown alongside. Without a
    baseline (``--only rolegate``) only the latency is judged."""
    row = candidate.row(operation)
    latency_ok = row.p99_ms < p99_target_ms
    latency = (
        f"{operation} p99 {row.p99_ms:.2f} ms vs target < {p99_target_ms:g} ms: "
        f"{'PASS' if latency_ok else 'FAIL'}"
    )
    if baseline is None:
        line = f"{candidate.target}: {latency}; throughput ratio not measured (no moto run)"
        return [line], latency_ok
    ratio = row.requests_per_second / max(baseline.row(operation).requests_per_second, 1e-9)
    mix_ratio = candidate.overall.requests_per_second / max(
        baseline.overall.requests_per_second, 1e-9
    )
    throughput_ok = ratio >= ratio_target
    lines = [
        f"{candidate.target} / {baseline.target}: {operation} throughput {ratio:.1f}x, "
        f"whole mix {mix_ratio:.1f}x",
        f"  verdict: {operation} throughput {ratio:.1f}x vs target >= {ratio_target:g}x: "
        f"{'PASS' if throughput_ok else 'FAIL'}; {latency}",
    ]
    return lines, throughput_ok and latency_ok
