"""GetWebIdentityToken: tokens per second per process, ES384 and RS256, against GetCallerIdentity
in the same run. Run: ``.venv/bin/python bench/web_identity_token.py [--wrk]``.

1. In-process (always): a node's pipeline answers a boto3 client without HTTP
   (``_in_process.py``); the CPU time of each request's ``Pipeline.handle`` is recorded. The
   caller is an IAM user whose inline policy allows ``sts:GetWebIdentityToken`` (so the policy
   engine decides every request, as for a workload); the baseline is the same user's
   GetCallerIdentity (authentication, no authorization, no signature). Tokens/s per process =
   1000 / median CPU ms, the bound one fully busy process can reach.
2. Server-side (``--wrk``): a real ``rolegate serve`` (SQLite, 1 process, default threads) and
   Debian's ``wrk`` replaying one pre-signed request per operation (a SigV4 signature stays valid
   for minutes and may be replayed) over ``--connections`` keep-alive connections for
   ``--seconds``. wrk shares the machine's cores with the server, so the ratio to
   GetCallerIdentity is the figure to read.

Target (issue 15): at least 1,000 tokens/s per process for each algorithm. Timing is never a
test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from _in_process import InProcessNode  # noqa: E402
from rolegate.federation.outbound_tokens import (  # noqa: E402
    SigningKeys,
    generate_key,
    sign_token,
)

from harness import ACCOUNT_ID, REGION, ROOT_KEY_ID, ROOT_SECRET, Server  # noqa: E402

TARGET_PER_SECOND = 1000
ALLOW = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}],
    }
)
OPERATIONS: dict[str, dict[str, str]] = {
    "GetCallerIdentity": {"Action": "GetCallerIdentity", "Version": "2011-06-15"},
    "GetWebIdentityToken ES384": {
        "Action": "GetWebIdentityToken",
        "Version": "2011-06-15",
        "Audience.member.1": "https://api.example.com",
        "SigningAlgorithm": "ES384",
    },
    "GetWebIdentityToken RS256": {
        "Action": "GetWebIdentityToken",
        "Version": "2011-06-15",
        "Audience.member.1": "https://api.example.com",
        "SigningAlgorithm": "RS256",
    },
}


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="in-process calls per operation")
    parser.add_argument("--wrk", action="store_true", help="also measure a real server with wrk")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per operation")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    return parser.parse_args(argv)


def user_key(iam: Any) -> tuple[str, str]:
    """An IAM user allowed sts:GetWebIdentityToken, and its access key."""
    iam.create_user(UserName="bench")
    iam.put_user_policy(UserName="bench", PolicyName="tokens", PolicyDocument=ALLOW)
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def in_process(requests: int) -> dict[str, float]:
    """{operation: median CPU ms of Pipeline.handle}."""
    with tempfile.TemporaryDirectory(prefix="rolegate-bench-") as scratch:
        directory = Path(scratch)
        url = f"sqlite:///{directory / 'bench.db'}"
        node = InProcessNode(url, directory, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
        try:
            iam = node.client("iam")
            iam.enable_outbound_web_identity_federation()
            sts = node.client("sts", user_key(iam))
            calls: dict[str, Callable[[], Any]] = {
                "GetCallerIdentity": sts.get_caller_identity,
                **{
                    f"GetWebIdentityToken {alg}": _token_call(sts, alg)
                    for alg in ("ES384", "RS256")
                },
            }
            medians: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(3):  # rounds alternate the operations: drift hits each alike
                for name, call in calls.items():
                    for _ in range(50):  # warm-up: caches, loaded keys, compiled plans
                        call()
                    node.cpu_ms.clear()
                    for _ in range(requests // 3):
                        call()
                    medians[name].append(statistics.median(node.cpu_ms))
            return {name: statistics.median(values) for name, values in medians.items()}
        finally:
            node.close()


def signature_alone(rounds: int) -> dict[str, float]:
    """{algorithm: median CPU ms of ``sign_token`` alone}: the floor under each token."""
    claims = {
        "iss": "https://rolegate.example/issuers/" + "0" * 36,
        "sub": f"arn:aws:iam::{ACCOUNT_ID}:user/bench",
        "aud": "https://api.example.com",
        "iat": 1,
        "exp": 301,
        "jti": "0" * 36,
        "https://sts.amazonaws.com/": {"aws_account": ACCOUNT_ID, "source_region": REGION},
    }
    keys = SigningKeys()
    result = {}
    for algorithm in ("ES384", "RS256"):
        der, _ = generate_key(algorithm, "bench")
        key = keys.load("bench", algorithm, der)
        runs = []
        for _ in range(3):
            started = time.process_time()
            for _ in range(rounds):
                sign_token(key, "bench", algorithm, claims)
            runs.append((time.process_time() - started) * 1000 / rounds)
        result[algorithm] = statistics.median(runs)
    return result


def _token_call(sts: Any, algorithm: str) -> Callable[[], Any]:
    def call() -> Any:
        answer = sts.get_web_identity_token(
            Audience=["https://api.example.com"], SigningAlgorithm=algorithm
        )
        assert answer["WebIdentityToken"].count(".") == 2, answer
        return answer

    return call


def signed(endpoint: str, key: tuple[str, str], form: dict[str, str]) -> dict[str, Any]:
    body = "&".join(f"{k}={v.replace(':', '%3A').replace('/', '%2F')}" for k, v in form.items())
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(*key), "sts", REGION).add_auth(request)
    return {"body": body, "headers": dict(request.headers.items())}


def lua_script(request: dict[str, Any]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(request['body'])}"]
    for name, value in request["headers"].items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    lines.append(
        "function response(status, headers, body)\n"
        '  if status ~= 200 then io.stderr:write("status " .. status .. "\\n") end\nend'
    )
    return "\n".join(lines) + "\n"


def with_wrk(seconds: int, connections: int) -> dict[str, float]:
    """{operation: requests/s wrk measured against a real server}."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    with tempfile.TemporaryDirectory(prefix="rolegate-wrk-") as scratch:
        directory = Path(scratch)
        server = Server(directory / "data", None).start()
        try:
            iam = server.client("iam")
            iam.enable_outbound_web_identity_federation()
            key = user_key(iam)
            rates: dict[str, float] = {}
            for name, form in OPERATIONS.items():
                script = directory / f"{name.replace(' ', '_')}.lua"
                script.write_text(lua_script(signed(server.endpoint, key, form)))
                done = subprocess.run(
                    [
                        wrk,
                        "-t1",
                        f"-c{connections}",
                        f"-d{seconds}s",
                        "-s",
                        str(script),
                        server.endpoint + "/",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=seconds + 60,
                )
                if done.returncode != 0 or "status " in done.stderr:
                    raise SystemExit(f"wrk {name}: {done.stderr[-500:]}")
                rates[name] = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)[1])  # type: ignore[index]
            return rates
        finally:
            server.stop()


def main(argv: Sequence[str]) -> int:
    args = parse_arguments(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cost = in_process(args.requests)
    base = cost["GetCallerIdentity"]
    print("\nin-process, CPU time of Pipeline.handle (median), IAM user caller:")
    print(f"{'operation':28} {'ms/request':>10} {'per second':>11} {'x GetCallerIdentity':>20}")
    verdicts = []
    for name, ms in cost.items():
        print(f"{name:28} {ms:10.3f} {1000 / ms:11.0f} {ms / base:20.2f}")
        if name.startswith("GetWebIdentityToken"):
            verdicts.append(1000 / ms >= TARGET_PER_SECOND)
    print(
        f"target: >= {TARGET_PER_SECOND} tokens/s per process for each algorithm: "
        f"{'met' if all(verdicts) else 'MISSED'}"
    )
    alone = signature_alone(args.requests // 3)
    print("signature alone (joserfc sign_token, CPU ms):")
    for algorithm, ms in alone.items():
        share = ms / cost[f"GetWebIdentityToken {algorithm}"]
        print(f"  {algorithm}: {ms:.3f} ms ({share:.0%} of the request)")
    if args.wrk:
        rates = with_wrk(args.seconds, args.connections)
        print(f"\nserver-side, wrk -t1 -c{args.connections} -d{args.seconds}s, 1 process:")
        print(f"{'operation':28} {'requests/s':>10} {'/ GetCallerIdentity':>20}")
        for name, rate in rates.items():
            print(f"{name:28} {rate:10.0f} {rate / rates['GetCallerIdentity']:20.2f}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
