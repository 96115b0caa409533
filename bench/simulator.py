"""The policy simulator's cost: one SimulatePrincipalPolicy of 100 actions x 10 resources for a
user with 10 attached managed policies of 10 statements each (the policy benchmark's *typical*
shape, ``bench/policy_eval.py``), against two baselines measured in the same run on the same
server: one GetRole, and one SimulatePrincipalPolicy of a single action on a single resource.

Requests are SigV4-signed ahead of the timing and sent over one kept-alive connection; the
server's CPU (its process tree, from /proc) is read around each batch. The target is the full
simulation in under 100 ms (issue 14, "Speed"); the report gives wall and server CPU time per
request and each as a ratio to the baselines, so noise from this shared machine mostly cancels.

    .venv/bin/python bench/simulator.py
    .venv/bin/python bench/simulator.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from xml.etree import ElementTree

from _http import Call, Endpoint, SignedClient, describe_failure
from _http import expect as expect_answer
from _targets import ACCOUNT_ID, RolegateTarget
from policy_eval import SERVICES, policy_text
from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy import PolicyKind, validate_policy

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}
        ],
    }
)
USER = "simulated"
ROLE = "baseline"


def expect(client: SignedClient, action: str, *params: tuple[str, str]) -> bytes:
    return expect_answer(client, Call("iam", action, params))


def set_up(root: Endpoint) -> None:
    """The user with 10 attached policies x 10 statements, and a role for the GetRole baseline."""
    rng = random.Random(14)
    client = SignedClient(root)
    try:
        expect(client, "CreateUser", ("UserName", USER))
        expect(client, "CreateRole", ("RoleName", ROLE), ("AssumeRolePolicyDocument", TRUST))
        for number in range(10):
            body = expect(
                client,
                "CreatePolicy",
                ("PolicyName", f"typical-{number}"),
                ("PolicyDocument", storable_policy(rng)),
            )
            arn = next(e.text for e in ElementTree.fromstring(body).iter() if e.tag.endswith("Arn"))
            assert arn
            expect(client, "AttachUserPolicy", ("UserName", USER), ("PolicyArn", arn))
    finally:
        client.close()


def storable_policy(rng: random.Random) -> str:
    """A *typical* policy that IAM stores (the engine benchmark's generator also writes
    resources IAM refuses, such as IAM ARNs with a region)."""
    while True:
        text = policy_text(rng)
        try:
            validate_policy(text, PolicyKind.IDENTITY)
        except MalformedPolicyDocument:
            continue
        return text


def simulation(actions: Sequence[str], resources: Sequence[str]) -> Call:
    params = [("PolicySourceArn", f"arn:aws:iam::{ACCOUNT_ID}:user/{USER}")]
    params += [(f"ActionNames.member.{i}", a) for i, a in enumerate(actions, 1)]
    params += [(f"ResourceArns.member.{i}", r) for i, r in enumerate(resources, 1)]
    params += [("MaxItems", "1000")]
    return Call("iam", "SimulatePrincipalPolicy", tuple(params))


def workload() -> dict[str, Call]:
    actions = [f"{service}:{name}" for service, names in SERVICES.items() for name in names]
    actions = (actions * 3)[:100]
    regions = ["us-east-1", "eu-west-1"]
    resources = [f"arn:aws:s3:::data-{i}/key" for i in range(4)]
    resources += [f"arn:aws:dynamodb:{regions[i % 2]}:{ACCOUNT_ID}:table/t{i}" for i in range(3)]
    resources += [f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:queue-{i}" for i in range(3)]
    assert len(actions) == 100 and len(resources) == 10
    return {
        "GetRole": Call("iam", "GetRole", (("RoleName", ROLE),)),
        "simulate 1x1": simulation(actions[:1], resources[:1]),
        "simulate 100x10": simulation(actions, resources),
    }


def batch(target: RolegateTarget, call: Call, n: int) -> tuple[float, float]:
    """(wall ms, server CPU ms) per request, after a short warm-up."""
    client = SignedClient(target.endpoint)
    try:
        prepared = [client.prepare(call) for _ in range(n + 3)]
        for request in prepared[:3]:
            client.send_prepared(request)
        cpu, started = target.server_cpu_seconds(), time.perf_counter()
        for request in prepared[3:]:
            outcome = client.send_prepared(request)
            if not outcome.succeeded(call.action):
                raise RuntimeError(f"{call.action}: {describe_failure(outcome)}")
        wall = time.perf_counter() - started
        return wall * 1000 / n, (target.server_cpu_seconds() - cpu) * 1000 / n
    finally:
        client.close()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=5, help="batches per call, alternated")
    parser.add_argument("--database-url", help="also measure on this PostgreSQL server")
    args = parser.parse_args(argv)
    targets = [RolegateTarget()]
    if args.database_url:
        targets.append(RolegateTarget(args.database_url))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = f"{'target':28} {'call':16} {'wall ms':>8} {'CPU ms':>7} {'/GetRole':>9} {'/1x1':>7}"
    print(header)
    calls = workload()
    for target in targets:
        with target:
            set_up(target.endpoint)
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
            for _ in range(args.rounds):
                for name, call in calls.items():
                    runs[name].append(batch(target, call, args.requests))
            medians = {
                name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
                for name, r in runs.items()
            }
            base, single = medians["GetRole"][0], medians["simulate 1x1"][0]
            for name, (wall, cpu) in medians.items():
                print(
                    f"{target.describe():28} {name:16} {wall:8.2f} {cpu:7.2f} "
                    f"{wall / base:8.1f}x {wall / single:6.1f}x"
                )
            full = medians["simulate 100x10"][0]
            verdict = "meets" if full < 100 else "misses"
            print(f"{target.describe():28} 100x10 in {full:.1f} ms: {verdict} the 100 ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
