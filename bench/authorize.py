"""Authorization service benchmark (issue 14 -> Speed).

Run: ``.venv/bin/python bench/authorize.py`` (needs ``wrk``: ``apt-get install wrk``; the
benchmark is not part of CI).

One ``rolegate serve --authz-listen`` process on SQLite. A role with 10 attached managed policies
of the policy benchmark's *typical* shape (``bench/policy_eval.policy_text``: 10 statements each,
wildcards, 2-3 conditions per statement), tagged ``team``; a session of it (AssumeRole). The
client signs ``--bodies`` distinct questions ahead of time with botocore's ``SigV4Auth`` for the
request's own service (``s3``, ``ec2``, ... as named by the action), header signatures with the
session token, mixed actions and resources (Allow, ImplicitDeny and ExplicitDeny answers), and
``wrk`` (C; 2 threads, ``--connections`` 8) replays them from a Lua script cycling through the
pre-built bodies, so the client is not what is measured. In the same run, against the same
process, ``wrk`` replays pre-signed ``GetCallerIdentity`` calls of the same session on the API
port: the baseline of the ratio. Signatures stay valid for the server's 15 minutes of skew.

Printed (JSON lines): each run's requests/s and p50/p99 (wrk's latency histogram), the answers'
mix, the ratio decisions/s over GetCallerIdentity/s, the load average, then the CPU time of
one decision in process (with and without the ``matched`` statements; JSON question included,
HTTP not) and a profile of ``Decider.decide`` in process (cProfile over the same questions) to
show where the time goes. Timing is never a test: machines are shared.
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
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _wrk import REPLAY, lua_string, run_wrk
from policy_eval import ACCOUNT, SERVICES, TEAMS, USERS, policy_text, resource_for

ROOT_KEY, ROOT_SECRET = "AKIAROLEGATEBENCHKEY", "rolegate/bench/secret/0123456789abcdefghij"
REGION = "us-east-1"
SOURCE_IPS = ["10.1.2.3", "192.168.3.7", "203.0.113.5"]
GCI_BODY = "Action=GetCallerIdentity&Version=2011-06-15"
LUA = """
local requests = {}
local bodies = {
%s
}
local path, method, content_type = "%s", "%s", "%s"
local extra = %s
local index = 0
init = function(args)
  for i, body in ipairs(bodies) do
    local headers = {["Content-Type"] = content_type}
    for name, value in pairs(extra[i] or {}) do headers[name] = value end
    requests[i] = wrk.format(method, path, headers, body)
  end
end
"""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--bodies", type=int, default=500, help="distinct questions (500)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--profile-rounds", type=int, default=4, help="in-process profile rounds; 0: none (4)"
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, api_port: int, authz_port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROLEGATE_", "AWS_"))}
    env.update(
        ROLEGATE_DEFAULT_ACCOUNT_ID=ACCOUNT,
        ROLEGATE_ROOT_ACCESS_KEY_ID=ROOT_KEY,
        ROLEGATE_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET,
    )
    rolegate = Path(sys.executable).parent / "rolegate"
    command = [str(rolegate), "serve", "--data-dir", str(data_dir), "--port", str(api_port)]
    command += ["--authz-listen", f"127.0.0.1:{authz_port}"]
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - the server's lifetime
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{authz_port}/healthz", timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"rolegate did not start: {(data_dir / 'server.log').read_text()}")


def session_of_role(api_port: int, rng: random.Random) -> dict[str, str]:
    """A role with 10 attached typical policies, tagged; the credentials of one session."""
    iam = boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{api_port}",
        region_name=REGION,
        aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
        config=Config(retries={"max_attempts": 1}),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(
        RoleName="bench-typical",
        AssumeRolePolicyDocument=json.dumps(trust),
        Tags=[{"Key": "team", "Value": rng.choice(TEAMS)}],
    )["Role"]
    for index in range(10):
        # IAM refuses IAM and S3 ARNs with a region (and S3 ones with an account), which the
        # generator writes at random
        document = re.sub(r"arn:aws:iam:[^:]+:", "arn:aws:iam::", policy_text(rng))
        document = re.sub(r"arn:aws:s3:[^:]*:[^:]*:", "arn:aws:s3:::", document)
        arn = iam.create_policy(PolicyName=f"typical-{index}", PolicyDocument=document)["Policy"][
            "Arn"
        ]
        iam.attach_role_policy(RoleName="bench-typical", PolicyArn=arn)
    sts = boto3.client(
        "sts",
        endpoint_url=f"http://127.0.0.1:{api_port}",
        region_name=REGION,
        aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
    )
    # the root user may not assume roles: a user of the account with its own key does
    iam.create_user(UserName="bench-caller")
    iam.put_user_policy(
        UserName="bench-caller",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="bench-caller")["AccessKey"]
    del sts
    caller = boto3.client(
        "sts",
        endpoint_url=f"http://127.0.0.1:{api_port}",
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    credentials: dict[str, str] = caller.assume_role(RoleArn=role["Arn"], RoleSessionName="bench")[
        "Credentials"
    ]
    return credentials


def questions(credentials: dict[str, str], count: int, rng: random.Random) -> list[str]:
    """Header-signed requests of the session, described as /v1/authorize questions."""
    signer_credentials = Credentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    made = []
    for index in range(count):
        service = rng.choice(list(SERVICES))
        action = f"{service}:{rng.choice(SERVICES[service])}"
        url = f"https://{service}.internal/things/{index}?view=full"
        request = AWSRequest(method="GET", url=url)
        # one region, as one deployment signs: RoleLastUsed is then written once a minute
        SigV4Auth(signer_credentials, service, REGION).add_auth(request)
        context: dict[str, Any] = {}
        if service == "s3":
            context = {
                "s3:prefix": f"home/{rng.choice(USERS)}/x",
                "s3:max-keys": rng.randint(1, 2000),
            }
        question = {
            "request": {
                "method": "GET",
                "url": url,
                "headers": dict(request.headers.items()),
                "source_ip": rng.choice(SOURCE_IPS),
            },
            "service": service,
            "action": action,
            "resource": resource_for(rng, service, ACCOUNT),
            "context": context,
        }
        made.append(json.dumps(question))
    return made


def caller_identity_requests(
    credentials: dict[str, str], count: int, api_port: int
) -> list[dict[str, str]]:
    signer_credentials = Credentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    made = []
    for _ in range(count):
        request = AWSRequest(
            method="POST",
            url=f"http://127.0.0.1:{api_port}/",
            data=GCI_BODY,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(signer_credentials, "sts", REGION).add_auth(request)
        made.append({k: v for k, v in request.headers.items() if k != "Content-Type"})
    return made


def lua_script(
    path: str, bodies: list[str], headers: list[dict[str, str]], content_type: str
) -> str:
    extra = (
        "{"
        + ",".join(
            "{" + ",".join(f"[ {lua_string(k)} ]={lua_string(v)}" for k, v in h.items()) + "}"
            for h in headers
        )
        + "}"
    )
    listed = ",\n".join(lua_string(body) for body in bodies)
    return LUA % (listed, path, "POST", content_type, extra) + REPLAY


def answers_mix(authz_port: int, bodies: list[str]) -> Counter[str]:
    mix: Counter[str] = Counter()
    for body in bodies:
        request = urllib.request.Request(
            f"http://127.0.0.1:{authz_port}/v1/authorize", data=body.encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        mix[answer["decision"] if answer["authenticated"] else answer["error"]["code"]] += 1
    return mix


def profile(data_dir: Path, bodies: list[str], rounds: int) -> str:
    """cProfile of the decisions in process, on the server's database (the server stopped)."""
    from rolegate.server.app import RolegateApp, authz_app, build_runtime
    from rolegate.server.authz.contract import read_question
    from rolegate.server.settings import Settings

    settings = Settings(data_dir=data_dir, default_account_id=ACCOUNT, audit_writer="thread")
    api = RolegateApp(build_runtime(settings))
    decider = authz_app(api, None).decider
    parsed = [read_question(body.encode()) for body in bodies]
    for question in parsed:  # warm: compiled policies, signing keys
        decider.decide(question)
    timings = {}
    for explain in (True, False):  # the matched statements cost a second, full evaluation
        decider.explain = explain
        started = time.thread_time()  # CPU time: what a busy shared machine disturbs least
        for _ in range(rounds):
            for body in bodies:
                decider.decide(read_question(body.encode()))
        per = (time.thread_time() - started) / (rounds * len(bodies)) * 1e6
        name = "with_matched" if explain else "without_matched"
        timings[f"{name}_cpu_us"] = round(per)
        timings[f"{name}_per_cpu_s"] = round(1e6 / per)
    decider.explain = True
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(rounds):
        for body in bodies:
            decider.decide(read_question(body.encode()))
    profiler.disable()
    elapsed = time.perf_counter() - started
    asyncio.run(api.shutdown())  # as the lifespan's shutdown
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats("rolegate", 25)
    stats.sort_stats("tottime").print_stats(12)
    per = elapsed / (rounds * len(bodies)) * 1e6
    header = json.dumps({"in_process": timings, "profiled_us": round(per)})
    return header + "\n" + out.getvalue()


def main() -> int:
    args = parse_arguments()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="rolegate-bench-authz-") as tmp:
        data_dir = Path(tmp)
        api_port, authz_port = free_port(), free_port()
        server = start_server(data_dir, api_port, authz_port)
        try:
            credentials = session_of_role(api_port, rng)
            bodies = questions(credentials, args.bodies, rng)
            mix = answers_mix(authz_port, bodies)
            print(json.dumps({"answers": dict(mix)}))
            authz_script = data_dir / "authorize.lua"
            authz_script.write_text(lua_script("/v1/authorize", bodies, [], "application/json"))
            gci_script = data_dir / "gci.lua"
            gci = caller_identity_requests(credentials, min(args.bodies, 200), api_port)
            gci_script.write_text(
                lua_script(
                    "/",
                    [GCI_BODY] * len(gci),
                    gci,
                    "application/x-www-form-urlencoded; charset=utf-8",
                )
            )
            base = f"http://127.0.0.1:{authz_port}"
            run_wrk(base, authz_script, 2, args.connections)  # warm-up
            authz = run_wrk(base, authz_script, args.duration, args.connections)
            gci_result = run_wrk(
                f"http://127.0.0.1:{api_port}", gci_script, args.duration, args.connections
            )
            authz_again = run_wrk(base, authz_script, args.duration, args.connections)
            load = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
        for name, result in (
            ("authorize", authz),
            ("GetCallerIdentity", gci_result),
            ("authorize (again)", authz_again),
        ):
            print(json.dumps({"run": name, **result}))
        best = max(authz["per_s"], authz_again["per_s"])
        print(
            json.dumps(
                {
                    "decisions_per_s": best,
                    "get_caller_identity_per_s": gci_result["per_s"],
                    "ratio": round(best / gci_result["per_s"], 2),
                    "target": ">= 5000 decisions/s, p99 < 2 ms",
                    "loadavg": [round(x, 2) for x in load],
                    "cpus": os.cpu_count(),
                }
            )
        )
        if args.profile_rounds > 0:
            print(profile(data_dir, bodies[:200], args.profile_rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
