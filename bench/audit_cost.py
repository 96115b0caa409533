"""What the audit trail costs on the hot read path (issue 17): GetCallerIdentity and GetRole
replayed by wrk (bench/server.py's replays) against rolegate without the audit trail (a
baseline checkout's ``rolegate``, e.g. main's venv) and with it, alternately, in one run.

Run: ``.venv/bin/python bench/audit_cost.py --baseline-bin /work/main/.venv/bin`` (needs
``wrk``). Each round starts every variant fresh on SQLite (``--database-url URL`` adds
PostgreSQL): the baseline, this checkout (events through the outbox, one write transaction a
second), and this checkout streaming to a file (``--audit-log``). Printed (JSON lines): each
measurement (requests/s, p99, server CPU µs per request), then per operation the median over
the rounds of requests/s and CPU per request, and the ratios to the baseline; the load averages
before and after. ``--in-process`` measures instead, in this process, the CPU time of
``Pipeline.handle`` with the audit trail detached and attached, alternately, and the outbox
writer's CPU per event (building and storing it): figures that the machine's other work
disturbs far less than wrk's. Timing is never a test; docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import BenchRolegate, measure, started

OPERATIONS = "GetCallerIdentity,GetRole"


class Variant(BenchRolegate):
    def __init__(
        self, label: str, database_url: str | None, binary: Path | None, extra: list[str]
    ) -> None:
        super().__init__(database_url, 1)
        self.label = label
        self.binary = binary
        self.extra = extra

    def describe(self) -> str:
        return f"{self.label} ({'PostgreSQL' if self._scratch else 'SQLite'})"

    def command(self) -> list[str]:
        command = super().command()
        if self.binary is not None:
            command[0] = str(self.binary / "rolegate")
        return [*command, *self.extra]


def variants(args: argparse.Namespace, scratch: Path) -> list[Variant]:
    made = []
    for url in [None, *([args.database_url] if args.database_url else [])]:
        made += [
            Variant("baseline", url, Path(args.baseline_bin), []),
            Variant("audit", url, None, []),
            Variant("audit+stream", url, None, ["--audit-log", str(scratch / "audit.jsonl")]),
        ]
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-bin", required=True, help="bin/ of a venv without the trail")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run (6)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--roles", type=int, default=120)
    parser.add_argument("--database-url", default="", help="PostgreSQL server (default: none)")
    parser.add_argument("--in-process", action="store_true", help="CPU time in this process")
    args = parser.parse_args()
    if args.in_process:
        for row in in_process(args.rounds):
            print(json.dumps(row), flush=True)
        return 0
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    measured = argparse.Namespace(**vars(args), only=OPERATIONS, py_spy=False)
    print(json.dumps({"loadavg_before": [round(x, 2) for x in os.getloadavg()]}), flush=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rolegate-bench-audit-") as tmp:
        for _ in range(args.rounds):
            for variant in variants(args, Path(tmp)):
                with started(variant):
                    results += measure(variant, measured, Path(tmp))
    for row in summary(results):
        print(json.dumps(row))
    after = {"loadavg_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    print(json.dumps(after))
    return 0


def in_process(rounds: int, count: int = 2000) -> list[dict[str, Any]]:
    """Per operation: request-thread CPU µs without and with the trail, the writer's µs per
    event, and the ratio of (request + writer) to the request without the trail."""
    import time
    from urllib.parse import urlencode

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from rolegate.auth.sigv4 import HttpRequest
    from rolegate.server.app import build_runtime
    from rolegate.server.gc_tuning import tune_for_serving
    from rolegate.server.settings import Settings

    key, secret = "AKIAROLEGATEBENCH001", "bench/secret/0123456789abcdefghijklmnop"
    form = "application/x-www-form-urlencoded"
    with tempfile.TemporaryDirectory(prefix="rolegate-bench-audit-") as tmp:
        settings = Settings(
            audit_writer="thread",  # its work counted in this process (server.audit_process)
            data_dir=Path(tmp),
            default_account_id="123456789012",
            root_access_key_id=key,
            root_secret_access_key=secret,
        )
        runtime = build_runtime(settings)
        pipeline, audit = runtime.pipeline, runtime.audit
        assert audit is not None
        tune_for_serving()

        def request(service: str, params: dict[str, str]) -> HttpRequest:
            body = urlencode(params)
            signed = AWSRequest(
                "POST", "http://127.0.0.1:9/", data=body, headers={"Content-Type": form}
            )
            SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(signed)
            headers = (*signed.headers.items(), ("host", "127.0.0.1:9"))
            return HttpRequest("POST", "/", "", headers, body.encode())

        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        create = {"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "r1"}
        made = pipeline.handle(
            request("iam", {**create, "AssumeRolePolicyDocument": trust}), form, None
        )
        assert made.status == 200
        operations = {
            "GetCallerIdentity": request(
                "sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
            ),
            "GetRole": request(
                "iam", {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "r1"}
            ),
        }
        seen: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for name, sent in operations.items():
                for label, trail in (("without", None), ("with", audit)):
                    pipeline.audit = trail
                    for _ in range(200):
                        pipeline.handle(sent, form, None)
                    audit.outbox.flush()
                    started = time.thread_time()
                    for _ in range(count):
                        pipeline.handle(sent, form, None)
                    seen.setdefault((name, label), []).append(
                        (time.thread_time() - started) / count * 1e6
                    )
                    if trail is not None:
                        started = time.thread_time()
                        audit.outbox.flush()
                        per_event = (time.thread_time() - started) / count * 1e6
                        seen.setdefault((name, "writer"), []).append(per_event)
        runtime.store.close()
    rows = []
    for name in operations:
        without, with_trail, writer = (
            statistics.median(seen[(name, label)]) for label in ("without", "with", "writer")
        )
        rows.append(
            {
                "operation": name,
                "request_cpu_us_without": round(without),
                "request_cpu_us_with": round(with_trail),
                "writer_cpu_us_per_event": round(writer),
                "total_ratio": round((with_trail + writer) / without, 3),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        )
    return rows


def summary(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    keys = dict.fromkeys((r["target"], r["operation"]) for r in results)
    for target, operation in keys:
        mine = [r for r in results if (r["target"], r["operation"]) == (target, operation)]
        rows.append(
            {
                "target": target,
                "operation": operation,
                "per_s": statistics.median(r["per_s"] for r in mine),
                "cpu_us": statistics.median(r["server_cpu_us_per_request"] for r in mine),
            }
        )
    by = {(r["target"], r["operation"]): r for r in rows}
    for row in rows:
        base = by.get(
            (
                row["target"].replace("audit+stream", "baseline").replace("audit", "baseline"),
                row["operation"],
            )
        )
        if base is not None and base is not row:
            row["per_s_vs_baseline"] = round(row["per_s"] / base["per_s"], 3)
            row["cpu_vs_baseline"] = round(row["cpu_us"] / base["cpu_us"], 3)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
