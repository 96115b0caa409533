"""Server throughput benchmark (issue 18): pre-signed requests replayed by wrk.

Run: ``.venv/bin/python bench/server.py`` (needs ``wrk``: ``apt-get install wrk``; moto_server is
measured too when ``moto[server]`` is installed in the venv: ``pip install 'moto[server]'``, a
benchmark-only tool, not a dependency). Not part of CI; timing is never a test.

Each target is started fresh: rolegate with 1 and 2 processes (``--workers``) on SQLite and, with
``--database-url``, on PostgreSQL, and moto_server. Set-up (untimed, by the IAM user
``bench-user`` whose inline policy allows everything, so each request is authorized by policy
evaluation): ``--roles`` roles that trust the account. Then, per operation, ``--requests``
distinct requests are pre-signed with botocore's ``SigV4QueryAuth`` (the query form: ``GET
/?Action=...&X-Amz-Signature=...``; distinct ``X-Amz-Expires`` values make distinct signatures)
and ``wrk`` (C, 2 threads, ``--connections`` keep-alive connections) replays them from a Lua script
cycling through the list, so the client costs the server almost nothing:

- GetCallerIdentity (STS), GetRole (the roles in turn), AssumeRole (one role, distinct session
  names), ListRoles (``MaxItems=100``), GetRoleAndCallerIdentity (the two in turn, one key);
- rolegate only: ``POST /v1/authorize`` of the authorization service (``--authz-listen``), the
  questions of ``bench/authorize.py`` (a session of a role with 10 typical policies).

Printed (JSON lines): per target and operation, requests/s, p50/p99 (wrk's histogram, µs), the
non-2xx answers (must be 0) and the server's CPU time per request (user + system over its
process tree, from /proc: what a machine shared with other work disturbs least); then the ratios
to rolegate on SQLite with 1 process (PostgreSQL over SQLite, 2 processes over 1, rolegate over
moto), the load averages before and after; with ``--profile``, a cProfile of each operation's
server-side path in process (``Pipeline.handle``, on the SQLite target's database; HTTP excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))
import authorize
from _http import API_VERSIONS, REGION, Call, Endpoint, SignedClient, expect
from _principals import endpoint_for
from _targets import VENV_BIN, MotoTarget, RolegateTarget, Target, cpu_ticks, free_port
from _wrk import REPLAY, lua_string, run_wrk
from policy_eval import ACCOUNT as POLICY_ACCOUNT

ROLE_PREFIX = "bench-role-"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
LUA = """
local specs = {
%s
}
local requests = {}
local index = 0
init = function(args)
  for i, spec in ipairs(specs) do
    local headers = {}
    if spec[3] ~= "" then headers["Content-Type"] = "application/json" end
    requests[i] = wrk.format(spec[1], spec[2], headers, spec[3] ~= "" and spec[3] or nil)
  end
end
"""


@dataclass(frozen=True, slots=True)
class Replay:
    """One operation's pre-built requests: (method, path with query, JSON body or "")."""

    operation: str
    requests: list[tuple[str, str, str]]


class FloorTarget(Target):
    """``bench/_floor_app.py``: the server stack's cost with no rolegate code behind it."""

    name = "floor"
    health_path = "/healthz"

    def command(self) -> list[str]:
        return [
            sys.executable,
            str(Path(__file__).parent / "_floor_app.py"),
            "--port",
            str(self.port),
        ]

    def describe(self) -> str:
        return "HTTP floor (uvicorn, fixed answer)"


class BenchRolegate(RolegateTarget):
    """rolegate with its authorization service on a second port, in the policy benchmark's
    account (its questions name that account's resources)."""

    def __init__(
        self,
        database_url: str | None,
        workers: int,
        source: Path | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        super().__init__(database_url, workers)
        self.flags = flags  # more `rolegate serve` flags (--serve-flags, --baseline-flags)
        self.account_id = POLICY_ACCOUNT
        self.authz_port = free_port()
        self.source = source  # another checkout's src/ (--baseline-src): the "before" figures

    def describe(self) -> str:
        return super().describe() + (" before" if self.source else "")

    def command(self) -> list[str]:
        command = [*super().command(), "--authz-listen", f"127.0.0.1:{self.authz_port}"]
        return [*command, *self.flags]

    def environment(self) -> dict[str, str]:
        env = {**super().environment(), "ROLEGATE_DEFAULT_ACCOUNT_ID": POLICY_ACCOUNT}
        if self.source is not None:  # ahead of the venv's editable install of this checkout
            env["PYTHONPATH"] = str(self.source)
        return env

    def after_start(self) -> None:
        """The roles made here stay far below the default quota."""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (8)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--requests", type=int, default=400, help="distinct requests (400)")
    parser.add_argument("--roles", type=int, default=120, help="roles in the account (120)")
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server for the PostgreSQL targets ('' to skip them)",
    )
    parser.add_argument("--only", default="", help="comma-separated operations to run")
    parser.add_argument("--no-moto", action="store_true", help="skip moto_server")
    parser.add_argument("--no-workers", action="store_true", help="skip the 2-process targets")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="another checkout's src/ (e.g. `git archive main src | tar -x -C DIR`): measured "
        "first as 'rolegate (SQLite, 1 worker) before', for after/before ratios in the same run",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also replay GetCallerIdentity and authorize against bench/_floor_app.py (the HTTP "
        "stack answering a fixed body), paired with rolegate (SQLite, 1 worker)",
    )
    parser.add_argument(
        "--serve-flags",
        default="",
        help="more `rolegate serve` flags for this checkout's targets, e.g. '--no-inline-reads'",
    )
    parser.add_argument(
        "--baseline-flags",
        default="",
        help="more `rolegate serve` flags for the --baseline-src target (with --baseline-src "
        "src/ and --serve-flags: one checkout's two settings side by side)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="windows per target with --baseline-src (3)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile each operation")
    parser.add_argument(
        "--py-spy", action="store_true", help="py-spy the SQLite 1-process server during each run"
    )
    parser.add_argument(
        "--threads",
        action="store_true",
        help="CPU per request of the event loop's thread and of the others (1-process targets)",
    )
    return parser.parse_args()


def presign(endpoint: Endpoint, service: str, params: dict[str, str], expires: int) -> str:
    """``path?query`` of a GET signed in the query string (SigV4 query form)."""
    credentials = Credentials(
        endpoint.access_key_id, endpoint.secret_access_key, endpoint.session_token
    )
    query = urlencode({"Action": params.pop("Action"), "Version": API_VERSIONS[service], **params})
    request = AWSRequest(method="GET", url=f"{endpoint.url}?{query}")
    SigV4QueryAuth(credentials, service, REGION, expires=expires).add_auth(request)
    parts = urlsplit(request.url)
    return f"{parts.path}?{parts.query}"


def set_up(target: Target, roles: int) -> Endpoint:
    """The IAM user the requests are signed by, and ``roles`` roles trusting the account."""
    user = endpoint_for("user", target.endpoint)
    client = SignedClient(target.endpoint)
    trust = json.dumps(TRUST) % target.account_id
    try:
        for index in range(roles):
            params = (("RoleName", f"{ROLE_PREFIX}{index}"), ("AssumeRolePolicyDocument", trust))
            expect(client, Call("iam", "CreateRole", params))
    finally:
        client.close()
    return user


def replays(target: Target, user: Endpoint, count: int, roles: int) -> list[Replay]:
    role_arn = f"arn:aws:iam::{target.account_id}:role/{ROLE_PREFIX}0"

    def signed(service: str, params: dict[str, str], index: int) -> tuple[str, str, str]:
        return ("GET", presign(user, service, dict(params), 900 + index), "")

    made = [
        Replay(
            "GetCallerIdentity",
            [signed("sts", {"Action": "GetCallerIdentity"}, i) for i in range(count)],
        ),
        Replay(
            "GetRole",
            [
                signed("iam", {"Action": "GetRole", "RoleName": f"{ROLE_PREFIX}{i % roles}"}, i)
                for i in range(count)
            ],
        ),
        Replay(
            "AssumeRole",
            [
                signed(
                    "sts",
                    {"Action": "AssumeRole", "RoleArn": role_arn, "RoleSessionName": f"s{i}"},
                    i,
                )
                for i in range(count)
            ],
        ),
        Replay(
            "ListRoles",
            [signed("iam", {"Action": "ListRoles", "MaxItems": "100"}, i) for i in range(count)],
        ),
        # one key, IAM and STS in turn: the last-used date must not empty the caches each time
        Replay(
            "GetRoleAndCallerIdentity",
            [
                signed("iam", {"Action": "GetRole", "RoleName": f"{ROLE_PREFIX}{i % roles}"}, i)
                if i % 2 == 0
                else signed("sts", {"Action": "GetCallerIdentity"}, i)
                for i in range(count)
            ],
        ),
    ]
    return made


def authorize_replay(target: BenchRolegate, count: int) -> Replay:
    """The questions of bench/authorize.py, for this target's authorization service."""
    authorize.ROOT_KEY = target.endpoint.access_key_id
    authorize.ROOT_SECRET = target.endpoint.secret_access_key
    rng = random.Random(18)
    credentials = authorize.session_of_role(target.port, rng)
    bodies = authorize.questions(credentials, count, rng)
    return Replay("authorize", [("POST", "/v1/authorize", body) for body in bodies])


def replay_with_wrk(
    url: str, replay: Replay, duration: int, connections: int, scratch: Path
) -> Any:
    script = scratch / f"{replay.operation}.lua"
    specs = ",\n".join(
        "{" + ",".join(lua_string(part) for part in spec) + "}" for spec in replay.requests
    )
    script.write_text(LUA % specs + REPLAY)
    return run_wrk(url, script, duration, connections)


def check(url: str, replay: Replay) -> None:
    """The first request answers 2xx (else the run would measure errors)."""
    import urllib.request

    method, path, body = replay.requests[0]
    request = urllib.request.Request(
        url + path, data=body.encode() if body else None, method=method
    )
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except Exception as error:
        detail = getattr(error, "read", lambda: b"")()[:300]
        raise RuntimeError(f"{replay.operation}: {error} {detail!r}") from error


def measure(target: Target, args: argparse.Namespace, scratch: Path) -> list[dict[str, Any]]:
    results = []
    for url, replay in plan(target, args):
        replay_with_wrk(url, replay, 2, args.connections, scratch)  # warm-up
        spy, spied = None, scratch / f"{replay.operation}.spy"
        if args.py_spy and target.describe() == "rolegate (SQLite, 1 worker)":
            spy = start_py_spy(target, args.duration, spied)
        cpu_before = target.server_cpu_seconds()
        threads_before = thread_cpu(target.pid) if args.threads else {}
        result = replay_with_wrk(url, replay, args.duration, args.connections, scratch)
        cpu = target.server_cpu_seconds() - cpu_before
        if args.threads:
            result.update(thread_split(target.pid, threads_before, result["requests"]))
        if spy is not None:
            spy.wait(timeout=60)
            print(f"== py-spy, {replay.operation}\n" + spy_summary(spied))
        result["server_cpu_us_per_request"] = round(cpu / max(result["requests"], 1) * 1e6)
        result.update(target=target.describe(), operation=replay.operation)
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


def thread_cpu(pid: int) -> dict[int, tuple[int, int]]:
    """User and system clock ticks of each thread of ``pid`` (``/proc/<pid>/task``)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        ticks = cpu_ticks(task / "stat")
        if ticks is not None:  # else the thread ended
            found[int(task.name)] = ticks
    return found


def thread_split(pid: int, before: dict[int, tuple[int, int]], requests: int) -> dict[str, int]:
    """µs of CPU per request of the event loop's thread (the process's first) and of all the
    others (the audit writer, worker threads), user and system apart."""
    tick = 1e6 / os.sysconf("SC_CLK_TCK") / max(requests, 1)
    split = {"loop_user": 0.0, "loop_system": 0.0, "other_user": 0.0, "other_system": 0.0}
    for tid, (user, system) in thread_cpu(pid).items():
        was_user, was_system = before.get(tid, (0, 0))
        side = "loop" if tid == pid else "other"
        split[f"{side}_user"] += (user - was_user) * tick
        split[f"{side}_system"] += (system - was_system) * tick
    return {f"{name}_us_per_request": round(value) for name, value in split.items()}


def plan(target: Target, args: argparse.Namespace) -> list[tuple[str, Replay]]:
    """The set-up of ``target`` and its replays, each with the URL it goes to (checked)."""
    user = set_up(target, args.roles)
    found = replays(target, user, args.requests, args.roles)
    if isinstance(target, BenchRolegate):
        found.append(authorize_replay(target, args.requests))
    wanted = {name for name in args.only.split(",") if name}
    planned = []
    for replay in found:
        if wanted and replay.operation not in wanted:
            continue
        port = target.authz_port if replay.operation == "authorize" else target.port  # type: ignore[attr-defined]
        planned.append((f"http://127.0.0.1:{port}", replay))
        check(planned[-1][0], replay)
    return planned


def measure_paired(
    targets: list[Target],
    args: argparse.Namespace,
    scratch: Path,
    plans: list[list[tuple[str, Replay]]] | None = None,
) -> list[dict[str, Any]]:
    """The targets (all running) measured in turn, ``--rounds`` windows of ``--duration``
    seconds each per operation, the order reversed every other round, so that a machine whose
    load drifts weighs on both alike (an A/A run, both on this checkout, showed 5-10% against
    whichever went second in every round).
    Per target: the windows' requests and CPU summed, the worst window's p99."""
    if plans is None:
        plans = [plan(target, args) for target in targets]
    results = []
    for index in range(len(plans[0])):
        sums: list[dict[str, Any]] = [{} for _ in targets]
        for planned in plans:
            replay_with_wrk(*planned[index], 2, args.connections, scratch)  # warm-up
        for round_ in range(args.rounds):
            turn = list(zip(targets, plans, sums, strict=True))
            for target, planned, total in turn[:: -1 if round_ % 2 else 1]:  # ABBA: no 2nd place
                cpu_before = target.server_cpu_seconds()
                window = replay_with_wrk(*planned[index], args.duration, args.connections, scratch)
                window["cpu"] = target.server_cpu_seconds() - cpu_before
                for key in ("requests", "duration_us", "non_2xx", "socket_errors", "cpu"):
                    total[key] = total.get(key, 0) + window[key]
                total["p50s"] = [*total.get("p50s", []), window["p50_us"]]
                total["p99_us"] = max(total.get("p99_us", 0), window["p99_us"])
        for target, planned, total in zip(targets, plans, sums, strict=True):
            p50s = sorted(total.pop("p50s"))
            cpu = total.pop("cpu")
            total["p50_us"] = p50s[len(p50s) // 2]
            total["per_s"] = round(total["requests"] / (total["duration_us"] / 1e6))
            total["server_cpu_us_per_request"] = round(cpu / max(total["requests"], 1) * 1e6)
            total.update(target=target.describe(), operation=planned[index][1].operation)
            print(json.dumps(total), flush=True)
            results.append(total)
    return results


def start_py_spy(target: Target, duration: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the server process (GIL holders only) for ``duration`` seconds."""
    command = [str(VENV_BIN / "py-spy"), "record", "--pid", str(target.pid), "--rate", "300"]
    command += ["--duration", str(duration), "--gil", "--nonblocking", "--format", "raw"]
    command += ["--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def spy_summary(path: Path, top: int = 22) -> str:
    """Shares of the samples: by function holding the CPU (self) and by frame on the stack
    (inclusive), from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frames = [
            frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].rstrip(")")
            for frame in stack.split(";")
        ]
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    lines = [f"samples: {total}"]
    for title, table in (("self", own), ("inclusive", inclusive)):
        lines.append(f"-- {title}")
        for frame, count in sorted(table.items(), key=lambda item: -item[1])[:top]:
            lines.append(f"{count / max(total, 1) * 100:5.1f}% {frame}")
    return "\n".join(lines)


@contextmanager
def started(target: Target) -> Iterator[Target]:
    with target:
        yield target


def profile_operations(args: argparse.Namespace) -> str:
    """cProfile of ``Pipeline.handle`` per operation, in process, on a fresh SQLite database."""
    from rolegate.auth.sigv4 import HttpRequest
    from rolegate.server.app import RolegateApp, build_runtime
    from rolegate.server.settings import Settings

    out = io.StringIO()
    with started(BenchRolegate(None, 1)) as target:
        user = set_up(target, args.roles)
        found = replays(target, user, args.requests, args.roles)
        data_dir = target.scratch_dir / "data"
        target.stop_process()
        settings = Settings(
            data_dir=data_dir, default_account_id=POLICY_ACCOUNT, audit_writer="thread"
        )
        api = RolegateApp(build_runtime(settings))
        pipeline = api.runtime.pipeline
        host = ("host", f"127.0.0.1:{target.port}")
        for replay in found:
            requests = []
            for _, path, _ in replay.requests:
                path_only, query = path.split("?", 1)
                requests.append(HttpRequest("GET", path_only, query, (host,), b""))
            for request in requests:  # warm
                pipeline.handle(request, None, None)
            started_cpu = time.thread_time()
            for request in requests:
                pipeline.handle(request, None, None)
            per = (time.thread_time() - started_cpu) / len(requests) * 1e6
            profiler = cProfile.Profile()
            profiler.enable()
            for request in requests:
                pipeline.handle(request, None, None)
            profiler.disable()
            out.write(f"== {replay.operation}: {per:.0f} µs CPU per request in process\n")
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(14)
        asyncio.run(api.shutdown())  # as the lifespan's shutdown
    return out.getvalue()


def ratios(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = {(r["target"], r["operation"]): r["per_s"] for r in results}
    cpu = {(r["target"], r["operation"]): r["server_cpu_us_per_request"] for r in results}
    base = "rolegate (SQLite, 1 worker)"
    compared = [
        ("PostgreSQL/SQLite", "rolegate (PostgreSQL, 1 worker)", base),
        ("2 workers/1 (SQLite)", "rolegate (SQLite, 2 workers)", base),
        (
            "2 workers/1 (PostgreSQL)",
            "rolegate (PostgreSQL, 2 workers)",
            "rolegate (PostgreSQL, 1 worker)",
        ),
        ("rolegate/moto", base, "moto"),
        ("after/before", base, base + " before"),
        ("rolegate/floor", base, "HTTP floor (uvicorn, fixed answer)"),
    ]
    made = []
    for operation in dict.fromkeys(r["operation"] for r in results):
        row: dict[str, Any] = {"operation": operation}
        for name, top, bottom in compared:
            if (top, operation) in by and (bottom, operation) in by:
                row[name] = round(by[top, operation] / by[bottom, operation], 2)
        if (base, operation) in cpu and (base + " before", operation) in cpu:
            row["cpu after/before"] = round(
                cpu[base, operation] / cpu[base + " before", operation], 2
            )
        floor = "HTTP floor (uvicorn, fixed answer)"
        if (base, operation) in cpu and (floor, operation) in cpu:
            row["floor cpu share"] = round(cpu[floor, operation] / cpu[base, operation], 2)
        made.append(row)
    return made


def main() -> int:
    args = parse_arguments()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    flags = tuple(args.serve_flags.split())
    targets: list[Target] = [BenchRolegate(None, 1, flags=flags)]
    if not args.no_workers:
        targets.append(BenchRolegate(None, 2, flags=flags))
    if args.database_url:
        targets.append(BenchRolegate(args.database_url, 1, flags=flags))
        if not args.no_workers:
            targets.append(BenchRolegate(args.database_url, 2, flags=flags))
    if args.no_moto:
        pass
    elif (VENV_BIN / "moto_server").exists():
        targets.append(MotoTarget())
    else:
        print(json.dumps({"moto": "not installed: pip install 'moto[server]'"}))
    print(json.dumps({"loadavg_before": [round(x, 2) for x in os.getloadavg()]}), flush=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rolegate-bench-server-") as tmp:
        if args.baseline_src:  # this checkout against the baseline, window by window
            baseline_flags = tuple(args.baseline_flags.split())
            before = BenchRolegate(None, 1, args.baseline_src.resolve(), baseline_flags)
            pair: list[Target] = [before, targets[0]]
            targets = targets[1:]
            with started(pair[0]), started(pair[1]):
                results += measure_paired(pair, args, Path(tmp))
        if args.floor:  # the same requests, to rolegate and to the floor, window by window
            rolegate, floor = BenchRolegate(None, 1, flags=flags), FloorTarget()
            with started(rolegate), started(floor):
                planned = [
                    (url, replay)
                    for url, replay in plan(rolegate, args)
                    if replay.operation in ("GetCallerIdentity", "authorize")
                ]
                floor_url = f"http://127.0.0.1:{floor.port}"
                floor_plan = [(floor_url, replay) for _, replay in planned]
                floor_pair: list[Target] = [floor, rolegate]
                results += measure_paired(floor_pair, args, Path(tmp), [floor_plan, planned])
        for target in targets:
            with started(target):
                results += measure(target, args, Path(tmp))
    for row in ratios(results):
        print(json.dumps(row))
    print(
        json.dumps(
            {"loadavg_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
        )
    )
    if args.profile:
        print(profile_operations(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
