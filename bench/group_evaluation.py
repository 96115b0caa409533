"""What group membership costs a user's requests: server CPU and wall time per request for a
user in 10 groups (each with 2 inline policies and 1 attached managed policy) against a user
with no groups, same server, same run.

Both users hold the same allow-everything inline policy, so both requests are allowed and do the
same work apart from gathering and evaluating the groups' 30 policies. The two users alternate in
rounds (``--rounds``) of ``--requests`` GetUser calls each, signed ahead over one kept-alive
connection; the server's CPU (its process tree, from /proc) is read around each batch. The report
is the grouped/plain ratio of the medians, so noise from this shared machine mostly cancels.

    .venv/bin/python bench/group_evaluation.py
    .venv/bin/python bench/group_evaluation.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from xml.etree import ElementTree

from _http import Call, Endpoint, SignedClient, describe_failure
from _http import expect as expect_answer
from _targets import RolegateTarget

GROUPS = 10
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def statement(i: int) -> str:
    """A small, distinct policy that allows nothing the benchmark asks for."""
    grant = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{i}/*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [grant]})


def expect(client: SignedClient, action: str, **params: str) -> bytes:
    return expect_answer(client, Call("iam", action, tuple(params.items())))


def make_user(client: SignedClient, root: Endpoint, name: str) -> Endpoint:
    expect(client, "CreateUser", UserName=name)
    expect(client, "PutUserPolicy", UserName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
    body = ElementTree.fromstring(expect(client, "CreateAccessKey", UserName=name))
    key_id = next(e.text for e in body.iter() if e.tag.endswith("AccessKeyId"))
    secret = next(e.text for e in body.iter() if e.tag.endswith("SecretAccessKey"))
    assert key_id and secret
    return replace(root, access_key_id=key_id, secret_access_key=secret)


def set_up(root: Endpoint) -> tuple[Endpoint, Endpoint]:
    client = SignedClient(root)
    try:
        plain = make_user(client, root, "plain")
        grouped = make_user(client, root, "grouped")
        for g in range(GROUPS):
            group = f"group-{g}"
            expect(client, "CreateGroup", GroupName=group)
            for p in range(2):
                document = statement(g * 10 + p)
                expect(
                    client,
                    "PutGroupPolicy",
                    GroupName=group,
                    PolicyName=f"p{p}",
                    PolicyDocument=document,
                )
            body = ElementTree.fromstring(
                expect(client, "CreatePolicy", PolicyName=f"m{g}", PolicyDocument=statement(g))
            )
            arn = next(e.text for e in body.iter() if e.tag.endswith("Arn"))
            assert arn
            expect(client, "AttachGroupPolicy", GroupName=group, PolicyArn=arn)
            expect(client, "AddUserToGroup", GroupName=group, UserName="grouped")
    finally:
        client.close()
    return plain, grouped


def batch(target: RolegateTarget, endpoint: Endpoint, name: str, n: int) -> tuple[float, float]:
    """(server CPU ms, wall ms) per GetUser request of ``name``, after a short warm-up."""
    client = SignedClient(endpoint)
    try:
        call = Call("iam", "GetUser", (("UserName", name),))
        prepared = [client.prepare(call) for _ in range(n + 20)]
        for request in prepared[:20]:
            client.send_prepared(request)
        cpu, started = target.server_cpu_seconds(), time.perf_counter()
        for request in prepared[20:]:
            outcome = client.send_prepared(request)
            if not outcome.succeeded("GetUser"):
                raise RuntimeError(f"GetUser as {name}: {describe_failure(outcome)}")
        wall = time.perf_counter() - started
        return (target.server_cpu_seconds() - cpu) * 1000 / n, wall * 1000 / n
    finally:
        client.close()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=5, help="batches per user, alternated")
    parser.add_argument("--database-url", help="also measure on this PostgreSQL server")
    args = parser.parse_args(argv)
    targets = [RolegateTarget()]
    if args.database_url:
        targets.append(RolegateTarget(args.database_url))
    print(f"{'target':34} {'user':8} {'CPU ms/req':>11} {'wall ms/req':>12} {'CPU ratio':>10}")
    for target in targets:
        with target:
            plain, grouped = set_up(target.endpoint)
            runs: dict[str, list[tuple[float, float]]] = {"plain": [], "grouped": []}
            for _ in range(args.rounds):
                runs["plain"].append(batch(target, plain, "plain", args.requests))
                runs["grouped"].append(batch(target, grouped, "grouped", args.requests))
            medians = {
                who: (statistics.median(c for c, _ in r), statistics.median(w for _, w in r))
                for who, r in runs.items()
            }
            for who, (cpu, wall) in medians.items():
                ratio = f"{cpu / medians['plain'][0]:9.2f}x"
                print(f"{target.describe():34} {who:8} {cpu:11.2f} {wall:12.2f} {ratio:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
