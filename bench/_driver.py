"""The load driver: client processes, each with a few threads, each thread one connection.

Closed loop: every connection sends its next request as soon as the previous answer arrived,
cycling through the weighted mix from its own offset (so connections do not move in lock step).
Each connection first warms up for a few seconds (not recorded); the rate it saw sizes the batch
of requests it then signs ahead of time. All connections start together on a barrier and stop at
the same deadline. The load runs in separate processes so the orchestrator (and its GIL) stays
out of the way; on a 2-core machine shared with the server, the client's CPU per request is
measured and reported.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from _http import Call, Endpoint, Outcome, PreparedRequest, SignedClient, describe_failure
from _scenarios import RunContext, Scenario, weighted_cycle

MAX_ERROR_SAMPLES = 3
SIGN_AHEAD_HEADROOM = 3.0  # requests signed ahead: 3x what the warm-up rate predicts
MAX_SIGNED_AHEAD = 100_000  # per connection


@dataclass(frozen=True, slots=True)
class LoadShape:
    processes: int
    connections_per_process: int
    seconds: float  # length of the timed window
    warmup_seconds: float  # untimed load just before it
    sign_ahead: bool = True  # sign requests before the timed window, not inside it

    def barrier_timeout(self) -> float:
        """Generous: warm-up plus signing ahead; a stuck client fails instead of hanging."""
        return self.warmup_seconds + 300

    @property
    def connections(self) -> int:
        return self.processes * self.connections_per_process


@dataclass
class ScenarioSamples:
    latencies_ns: list[int] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def record(self, outcome: Outcome, action: str) -> None:
        self.latencies_ns.append(outcome.latency_ns)
        if not outcome.succeeded(action):
            self.errors += 1
            if len(self.error_samples) < MAX_ERROR_SAMPLES:
                self.error_samples.append(describe_failure(outcome))

    def merge(self, other: ScenarioSamples) -> None:
        self.latencies_ns.extend(other.latencies_ns)
        self.errors += other.errors
        room = MAX_ERROR_SAMPLES - len(self.error_samples)
        self.error_samples.extend(other.error_samples[:room])


@dataclass
class LoadResult:
    per_scenario: dict[str, ScenarioSamples]
    wall_seconds: float
    client_cpu_seconds: float
    server_cpu_seconds: float  # over the timed window only
    signed_inline: int  # requests signed inside the timed window (all of them without sign-ahead)

    @property
    def requests(self) -> int:
        return sum(len(samples.latencies_ns) for samples in self.per_scenario.values())

    @property
    def errors(self) -> int:
        return sum(samples.errors for samples in self.per_scenario.values())


def combine(results: Sequence[LoadResult]) -> LoadResult:
    """One result from several windows of the same target: samples pooled, times added."""
    merged: dict[str, ScenarioSamples] = {}
    for result in results:
        for name, samples in result.per_scenario.items():
            merged.setdefault(name, ScenarioSamples()).merge(samples)
    return LoadResult(
        per_scenario=merged,
        wall_seconds=sum(result.wall_seconds for result in results),
        client_cpu_seconds=sum(result.client_cpu_seconds for result in results),
        server_cpu_seconds=sum(result.server_cpu_seconds for result in results),
        signed_inline=sum(result.signed_inline for result in results),
    )


def run_setup(endpoint: Endpoint, calls: Iterable[Call], connections: int) -> list[str]:
    """Send untimed setup calls over ``connections`` threads; return failure descriptions."""
    pending = list(calls)
    slices = [pending[index::connections] for index in range(connections)]

    def send_slice(part: list[Call]) -> list[str]:
        client = SignedClient(endpoint)
        failures = []
        for call in part:
            outcome = client.send(call)
            if not outcome.succeeded(call.action):
                failures.append(f"{call.action}: {describe_failure(outcome)}")
        client.close()
        return failures

    with ThreadPoolExecutor(max_workers=connections) as pool:
        return [failure for part in pool.map(send_slice, slices) for failure in part]


def run_load(
    endpoint: Endpoint,
    context: RunContext,
    mix: Sequence[Scenario],
    shape: LoadShape,
    server_cpu_seconds: Callable[[], float],
    other_credentials: Sequence[Mapping[str, Endpoint]] = (),
) -> LoadResult:
    """Run ``mix`` for ``shape.seconds`` over ``shape.connections`` and gather every latency.

    ``server_cpu_seconds`` is read when the window opens and when its last answer arrived.
    ``other_credentials[i]``, when given, holds connection i's further credential sets (by the
    name a scenario's ``credentials`` gives); every connection also has ``endpoint``'s own.
    """
    if other_credentials and len(other_credentials) != shape.connections:
        raise ValueError(
            f"other_credentials: {len(other_credentials)} sets for {shape.connections} connections"
        )
    mp = multiprocessing.get_context("fork")
    start_barrier = mp.Barrier(shape.connections + shape.processes + 1)
    results = mp.Queue()
    workers = [
        mp.Process(
            target=_client_process,
            args=(
                endpoint,
                context,
                mix,
                shape,
                index,
                start_barrier,
                results.put,
                other_credentials,
            ),
            daemon=True,
        )
        for index in range(shape.processes)
    ]
    for worker in workers:
        worker.start()
    start_barrier.wait(timeout=shape.barrier_timeout())  # warm-ups done, everyone starts now
    server_cpu_at_start = server_cpu_seconds()
    # a client process that died would otherwise leave this waiting forever
    reports = [results.get(timeout=shape.seconds + shape.barrier_timeout()) for _ in workers]
    server_cpu = server_cpu_seconds() - server_cpu_at_start
    for worker in workers:
        worker.join()
    merged = {scenario.name: ScenarioSamples() for scenario in mix}
    for report in reports:
        for name, samples in report["samples"].items():
            merged[name].merge(samples)
    wall = (max(r["end_ns"] for r in reports) - min(r["start_ns"] for r in reports)) / 1e9
    return LoadResult(
        per_scenario=merged,
        wall_seconds=wall,
        client_cpu_seconds=sum(r["cpu_seconds"] for r in reports),
        server_cpu_seconds=server_cpu,
        signed_inline=sum(r["signed_inline"] for r in reports),
    )


def _client_process(
    endpoint: Endpoint,
    context: RunContext,
    mix: Sequence[Scenario],
    shape: LoadShape,
    process_index: int,
    start_barrier: threading.Barrier,
    report: Callable[[dict[str, object]], None],
    other_credentials: Sequence[Mapping[str, Endpoint]],
) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the orchestrator's clean-up handler
    first = process_index * shape.connections_per_process
    indexes = range(first, first + shape.connections_per_process)
    connections = [
        _Connection(endpoint, context, mix, i, other_credentials[i] if other_credentials else {})
        for i in indexes
    ]
    threads = [
        threading.Thread(target=c.run, args=(shape, start_barrier), daemon=True)
        for c in connections
    ]
    for thread in threads:
        thread.start()
    start_barrier.wait(timeout=shape.barrier_timeout())
    cpu_at_start = _cpu_seconds()
    for thread in threads:
        thread.join()
    merged = {scenario.name: ScenarioSamples() for scenario in mix}
    for connection in connections:
        for name, samples in connection.samples.items():
            merged[name].merge(samples)
    report(
        {
            "samples": merged,
            "start_ns": min(c.start_ns for c in connections),
            "end_ns": max(c.end_ns for c in connections),
            "cpu_seconds": _cpu_seconds() - cpu_at_start,
            "signed_inline": sum(c.signed_inline for c in connections),
        }
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Connection:
    def __init__(
        self,
        endpoint: Endpoint,
        context: RunContext,
        mix: Sequence[Scenario],
        index: int,
        other_credentials: Mapping[str, Endpoint],
    ) -> None:
        self.client = SignedClient(endpoint, other_credentials=other_credentials)
        self.context = context
        self.mix = mix
        self.index = index
        self.cycle = weighted_cycle(mix)
        self.samples = {scenario.name: ScenarioSamples() for scenario in mix}
        self.start_ns = 0
        self.end_ns = 0
        self.signed_inline = 0
        self._sequence = 0

    def _next_call(self) -> tuple[Scenario, Call]:
        position = (self.index + self._sequence) % len(self.cycle)
        scenario = self.mix[self.cycle[position]]
        call = scenario.make(self.context, self.index, self._sequence)
        self._sequence += 1
        return scenario, call

    def run(self, shape: LoadShape, start_barrier: threading.Barrier) -> None:
        try:
            batch = self._warm_up_and_sign_ahead(shape)
        finally:
            start_barrier.wait(timeout=shape.barrier_timeout())
        self.client.reconnect()
        self.start_ns = time.perf_counter_ns()
        deadline = self.start_ns + int(shape.seconds * 1e9)
        position = 0
        while time.perf_counter_ns() < deadline:
            if position < len(batch):
                name, request = batch[position]
                position += 1
                outcome = self.client.send_prepared(request)
            else:
                scenario, call = self._next_call()
                # signing stays outside the timed interval
                request = self.client.prepare(call, scenario.credentials)
                name = scenario.name
                self.signed_inline += 1
                outcome = self.client.send_prepared(request)
            self.samples[name].record(outcome, request.action)
        self.end_ns = time.perf_counter_ns()
        self.client.close()

    def _warm_up_and_sign_ahead(self, shape: LoadShape) -> list[tuple[str, PreparedRequest]]:
        started = time.perf_counter()
        halfway = started + shape.warmup_seconds / 2
        sent_in_second_half = 0
        while (now := time.perf_counter()) - started < shape.warmup_seconds:
            scenario, call = self._next_call()
            self.client.send(call, scenario.credentials)
            sent_in_second_half += now >= halfway
        if not shape.sign_ahead:
            return []
        # the second half's rate: the first requests of a window pay for cold caches
        rate = sent_in_second_half / max(time.perf_counter() - halfway, 1e-3)
        size = min(int(rate * shape.seconds * SIGN_AHEAD_HEADROOM) + 50, MAX_SIGNED_AHEAD)
        batch = []
        for _ in range(size):
            scenario, call = self._next_call()
            batch.append((scenario.name, self.client.prepare(call, scenario.credentials)))
        return batch
