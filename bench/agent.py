"""Credential reads from ``rolegate agent`` under load. Run: ``.venv/bin/python bench/agent.py``.

Starts ``rolegate serve`` (SQLite; ``--database-url`` for a scratch PostgreSQL database), a role
for EC2 with its instance profile and a task role, each with a launcher allowed to pass it, then
an IMDS agent and a container agent with 900 s sessions renewed every ``--refresh-every`` seconds
(``--refresh-margin 900-N``). Each agent is read by 8 concurrent clients (wrk, 8 connections on
2 threads; without wrk, 8 threads of http.client, named in the output) for ``--seconds``:

- the IMDS role document (``X-aws-ec2-metadata-token`` on every GET) and the container
  ``/v1/credentials`` (``Authorization``);
- the baseline, in the same run and alternating with them: a path of the same agent that answers
  404 (the HTTP stack with no credential document), so the ratio is what serving credentials adds.

Prints req/s, p50 and p99 of each, the ratios to the baseline, and how many AssumeRoleForWorkload
calls rolegate answered during the reads against the refreshes due in that time: the agent calls
rolegate once per refresh per role, whatever the read load. Target (issue 15): p99 under 5 ms.
Timing is never a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from agent_helpers import EC2, ECS, Agent, instance_profile, launcher, service_role  # noqa: E402
from sts_helpers import Account  # noqa: E402

from _postgres import ScratchDatabase  # noqa: E402

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server  # noqa: E402

CLIENTS = 8
TOKEN = "bench-workload-token"
_WRK_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_WRK_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True, slots=True)
class Result:
    rate: float
    p50_ms: float
    p99_ms: float


def with_wrk(url: str, headers: dict[str, str], seconds: float) -> Result:
    command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{int(seconds)}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = {p: float(v) * _UNIT[u] for p, v, u in _WRK_PERCENTILE.findall(out)}
    rate = _WRK_RATE.search(out)
    if rate is None or set(found) != {"50", "99"}:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    return Result(float(rate.group(1)), found["50"], found["99"])


def with_threads(url: str, headers: dict[str, str], seconds: float) -> Result:
    """8 threads, one keep-alive connection each (the GIL shares one core among them)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    stop = time.monotonic() + seconds

    def client(mine: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port)
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", parts.path, headers=headers)
            connection.getresponse().read()
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()

    threads = [threading.Thread(target=client, args=(mine,)) for mine in latencies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = sorted(value for mine in latencies for value in mine)
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    return Result(len(every) / seconds, statistics.median(every), p99)


def imds_token(agent: Agent) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", agent.port)
    connection.request(
        "PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"}
    )
    return connection.getresponse().read().decode()


def calls_to_rolegate(server: Server) -> int:
    return server.output().count(" AssumeRoleForWorkload 200 ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per window (10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating windows (3)")
    parser.add_argument("--refresh-every", type=int, default=5, help="seconds (5)")
    parser.add_argument("--database-url", help="a PostgreSQL server for a scratch database")
    args = parser.parse_args()
    load = with_wrk if shutil.which("wrk") else with_threads
    client_name = "wrk (8 connections, 2 threads)" if load is with_wrk else "8 http.client threads"
    margin = str(900 - args.refresh_every)
    scratch = ScratchDatabase(args.database_url) if args.database_url else None
    if scratch is not None:
        scratch.create()
    work = Path(tempfile.mkdtemp(prefix="rolegate-bench-agent-"))
    # at INFO the server logs one line per request: the agents' calls are counted from it
    server = Server(work / "data", scratch.url if scratch else None, args=("--log-level", "info"))
    server.start()
    agents: list[Agent] = []
    try:
        home = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
        ec2_role = service_role(home, EC2)
        profile = instance_profile(home, ec2_role)
        task_role = service_role(home, ECS)
        (work / "token").write_text(TOKEN)
        token_file = str(work / "token")
        refresh = (
            "--duration-seconds",
            "900",
            "--refresh-margin",
            margin,
            "--log-level",
            "warning",
        )
        imds = Agent(
            server,
            launcher(home, ec2_role["Arn"], EC2),
            ("imds", "--instance-profile", profile["InstanceProfileName"], *refresh),
            work,
        ).start()
        agents.append(imds)
        container = Agent(
            server,
            launcher(home, task_role["Arn"], ECS),
            (
                "container",
                "--role-arn",
                task_role["Arn"],
                "--auth-token-file",
                token_file,
                *refresh,
            ),
            work,
        ).start()
        agents.append(container)
        imds_headers = {"X-aws-ec2-metadata-token": imds_token(imds)}
        container_headers = {"Authorization": TOKEN}
        role_path = f"/latest/meta-data/iam/security-credentials/{ec2_role['RoleName']}"
        scenarios = {
            "imds credentials": (f"{imds.url}{role_path}", imds_headers),
            "imds 404 (baseline)": (f"{imds.url}/latest/meta-data/none", imds_headers),
            "container credentials": (f"{container.url}/v1/credentials", container_headers),
            "container 404 (baseline)": (f"{container.url}/v2/none", container_headers),
        }
        results: dict[str, list[Result]] = {name: [] for name in scenarios}
        calls_before, started = calls_to_rolegate(server), time.monotonic()
        for _ in range(args.rounds):
            for name, (url, headers) in scenarios.items():
                results[name].append(load(url, headers, args.seconds))
        elapsed = time.monotonic() - started
        calls = calls_to_rolegate(server) - calls_before
        report(results, client_name, calls, elapsed, args.refresh_every)
    finally:
        for agent in agents:
            agent.stop()
        server.stop()
        if scratch is not None:
            scratch.drop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(
    results: dict[str, list[Result]], client: str, calls: int, elapsed: float, every: int
) -> None:
    print(f"client: {client}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'endpoint':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}   (median of the windows)")
    summary: dict[str, Result] = {}
    for name, runs in results.items():
        summary[name] = Result(
            statistics.median(r.rate for r in runs),
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
        )
        s = summary[name]
        print(f"{name:<26} {s.rate:>9.0f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f}")
    for kind in ("imds", "container"):
        mine, base = summary[f"{kind} credentials"], summary[f"{kind} 404 (baseline)"]
        verdict = "met" if mine.p99_ms < 5 else "missed"
        print(
            f"{kind}: p99 {mine.p99_ms:.2f} ms ({verdict}: < 5 ms); vs baseline: "
            f"throughput {mine.rate / base.rate:.2f}x, p99 {mine.p99_ms / base.p99_ms:.2f}x"
        )
    due = 2 * elapsed / every
    print(
        f"rolegate calls during {elapsed:.0f} s of reads: {calls} AssumeRoleForWorkload for 2 "
        f"roles renewed every {every} s ({due:.1f} refreshes due)"
    )


if __name__ == "__main__":
    sys.exit(main())
