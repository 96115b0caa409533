"""Policy engine benchmark (issues 3 and 18 -> Speed).

Run: ``.venv/bin/python bench/policy_eval.py``.

Four seeded scenarios (plus *large_dense*), one core, compiled policies, no decision cache:

* typical   - a user with 10 attached policies x 10 statements (wildcards, 2-3 conditions per
              statement, some variables); 1,000 distinct requests evaluated repeatedly;
* large     - 1,000 policies x 10 statements attached to the principal; 200 requests;
* wildcard  - 1,000 policies x 10 statements written with service-level wildcards over 6
              services (``s3:*``, ``s3:Get*``, wildcard resources, 2-3 conditions on most Allows,
              0.2 % Denies): most statements of a service can match its every action; 200 requests;
* fullstack - a role session with 10 identity policies, a boundary, 2 session policies and a
              resource policy; half the requests cross-account.

For each: decisions/s, p50/p99 us per decision, and the same requests through the slow reference
evaluator (``rolegate.policy.reference``) as the same-run baseline, with the ratio and a sha256
digest of both decision sequences (they must be equal). Throughput is also given in CPU time of
the thread (``cpu_decisions_per_s``), which a busy shared machine disturbs less than wall time.
Then the cost of turning a JSON request (the parsed object, and its text) into a ``Request``
(``rolegate.policy.cases.request_from_json``), compile time per policy and the memory of 10,000
compiled policies (tracemalloc). Timing is never a test: machines are shared.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rolegate.policy.cases import request_from_json
from rolegate.policy.compile import PolicyCompiler
from rolegate.policy.decision import Decision
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.parser import parse_policy
from rolegate.policy.reference import reference_evaluate
from rolegate.policy.request import Principal, Request

ACCOUNT, OTHER_ACCOUNT = "111122223333", "444455556666"
SERVICES = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketPolicy"],
    "ec2": ["DescribeInstances", "StartInstances", "StopInstances", "RunInstances"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan", "DeleteItem"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueUrl"],
    "sns": ["Publish", "Subscribe", "ListTopics"],
    "iam": ["GetUser", "ListRoles", "PassRole", "CreateAccessKey", "ListAccessKeys"],
    "lambda": ["InvokeFunction", "GetFunction", "UpdateFunctionCode"],
    "kms": ["Decrypt", "Encrypt", "GenerateDataKey"],
    "logs": ["PutLogEvents", "CreateLogStream", "GetLogEvents"],
    "cloudwatch": ["PutMetricData", "GetMetricData"],
}
# *large* draws from a wider, more realistic vocabulary (AWS has 400+ services, 15,000+ actions):
# the 10 services above plus 190 synthetic ones. *large_dense* keeps the 10 (every action is then
# matched by ~900 of the 10,000 statements) to show how cost follows the matching statements.
WIDE_SERVICES = SERVICES | {f"svc{n}": [f"Action{k}" for k in range(8)] for n in range(190)}
# *wildcard*: six services, actions written as service-level wildcards.
WILDCARD_SERVICES = {s: SERVICES[s] for s in ("s3", "ec2", "dynamodb", "sqs", "iam", "lambda")}
TEAMS = ["red", "blue", "green", "ops"]
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]
USERS = ["alice", "bob", "carol"]


def resource_for(rng: random.Random, service: str, account: str) -> str:
    name = rng.choice(["data", "logs", "app", "shared"])
    region = rng.choice(REGIONS)
    user = rng.choice(USERS)
    match service:
        case "s3":
            return f"arn:aws:s3:::{name}-bucket/home/{user}/f{rng.randint(0, 99)}.txt"
        case "iam":
            return f"arn:aws:iam::{account}:role/{name}-role"
        case "dynamodb":
            return f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        case "logs":
            return (
                f"arn:aws:logs:{region}:{account}:log-group:{name}:log-stream:s{rng.randint(0, 9)}"
            )
        case _:
            return f"arn:aws:{service}:{region}:{account}:{name}-{rng.randint(0, 3)}"


def resource_pattern(rng: random.Random, service: str) -> str | list[str]:
    name = rng.choice(["data", "logs", "app", "shared", "*"])
    match rng.randint(0, 5):
        case 0:
            return "*"
        case 1 if service == "s3":
            return f"arn:aws:s3:::{name}-bucket/home/${{aws:username}}/*"
        case 1 | 2 if service == "s3":
            return [f"arn:aws:s3:::{name}-bucket", f"arn:aws:s3:::{name}-bucket/*"]
        case 3:
            return f"arn:aws:{service}:*:{ACCOUNT}:*"
        case _:
            return f"arn:aws:{service}:{rng.choice(REGIONS)}:*:{name}*"


CONDITIONS: list[Callable[[random.Random], tuple[str, str, Any]]] = [
    lambda r: ("StringEquals", "aws:PrincipalTag/team", r.sample(TEAMS, 2)),
    lambda r: ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", f"192.168.{r.randint(0, 9)}.0/24"]),
    lambda r: ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    lambda r: ("Bool", "aws:SecureTransport", "true"),
    lambda r: ("StringLike", "s3:prefix", ["home/${aws:username}/*", "public/*"]),
    lambda r: ("DateLessThan", "aws:CurrentTime", f"20{r.randint(25, 30)}-01-01T00:00:00Z"),
    lambda r: ("NumericLessThanEquals", "s3:max-keys", str(r.randint(10, 1000))),
    lambda r: ("StringEqualsIfExists", "aws:RequestedRegion", r.sample(REGIONS, 2)),
    lambda r: ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env", "owner"]),
    lambda r: ("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}"),
]


def statement(rng: random.Random, index: int, vocabulary: dict[str, list[str]]) -> dict[str, Any]:
    service = rng.choice(list(vocabulary))
    names = vocabulary[service]
    shape = rng.random()
    if shape < 0.45:
        action: str | list[str] = [f"{service}:{n}" for n in rng.sample(names, 2)]
    elif shape < 0.8:
        action = f"{service}:{rng.choice(['Get', 'List', 'Describe', 'Put', 'Delete'])}*"
    elif shape < 0.95:
        action = f"{service}:*"
    else:
        action = "*"
    conditions: dict[str, dict[str, Any]] = {}
    for make in rng.sample(CONDITIONS, rng.randint(2, 3)):
        operator, key, value = make(rng)
        conditions.setdefault(operator, {})[key] = value
    return {
        "Sid": f"S{index}",
        "Effect": "Deny" if rng.random() < 0.15 else "Allow",
        "Action": action,
        "Resource": resource_pattern(rng, service),
        "Condition": conditions,
    }


# The conditions of a large account written by many hands: the shapes of CONDITIONS, with the
# values varying from statement to statement (teams, networks, dates, prefixes).
WIDE_CONDITIONS: list[Callable[[random.Random], tuple[str, str, Any]]] = [
    lambda r: (
        "StringEquals",
        "aws:PrincipalTag/team",
        [r.choice(TEAMS), f"team{r.randint(0, 999)}"],
    ),
    lambda r: ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", f"192.168.{r.randint(0, 255)}.0/24"]),
    lambda r: ("NotIpAddress", "aws:SourceIp", [f"203.0.{r.randint(0, 255)}.0/24"]),
    lambda r: ("Bool", "aws:SecureTransport", "true"),
    lambda r: (
        "StringLike",
        "s3:prefix",
        ["home/${aws:username}/*", f"public/{r.randint(0, 99)}/*"],
    ),
    lambda r: (
        "DateLessThan",
        "aws:CurrentTime",
        f"20{r.randint(25, 30)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T00:00:00Z",
    ),
    lambda r: ("NumericLessThanEquals", "s3:max-keys", str(r.randint(10, 1000))),
    lambda r: ("StringEqualsIfExists", "aws:RequestedRegion", r.sample(REGIONS, 2)),
    lambda r: ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env", f"k{r.randint(0, 99)}"]),
    lambda r: ("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}"),
]


# The Denies of such an account are guardrails: 1-2 of these, ANDed.
GUARDS: list[tuple[str, str, Any]] = [
    ("Bool", "aws:SecureTransport", "false"),
    ("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"]),
    ("StringNotEquals", "aws:RequestedRegion", REGIONS),
    ("DateGreaterThan", "aws:CurrentTime", "2031-01-01T00:00:00Z"),
    ("Bool", "aws:MultiFactorAuthPresent", "false"),
]


def wildcard_statement(rng: random.Random, index: int) -> dict[str, Any]:
    """A statement of the *wildcard* shape: ``svc:*`` or ``svc:Verb*`` (a verb of the service's
    actions) on a wildcard resource; most Allows carry 2-3 conditions; one in 500 is a Deny
    guardrail."""
    service = rng.choice(list(WILDCARD_SERVICES))
    verb = re.match(r"[A-Z][a-z]+", rng.choice(WILDCARD_SERVICES[service]))
    assert verb is not None
    action = f"{service}:*" if rng.random() < 0.6 else f"{service}:{verb.group()}*"
    resource = rng.choice(
        ["*", f"arn:aws:{service}:*:*:*", f"arn:aws:{service}:*:{ACCOUNT}:*"]
        if service != "s3"
        else ["*", "arn:aws:s3:::*", "arn:aws:s3:::*-bucket/*"]
    )
    item: dict[str, Any] = {"Sid": f"W{index}", "Action": action, "Resource": resource}
    if rng.random() < 0.002:
        item["Effect"] = "Deny"
        guards: dict[str, dict[str, Any]] = {}
        for operator, key, value in rng.sample(GUARDS, 2):
            guards.setdefault(operator, {})[key] = value
        item["Condition"] = guards
        return item
    item["Effect"] = "Allow"
    if rng.random() < 0.9:
        conditions: dict[str, dict[str, Any]] = {}
        for make in rng.sample(WIDE_CONDITIONS, rng.randint(2, 3)):
            operator, key, value = make(rng)
            conditions.setdefault(operator, {})[key] = value
        item["Condition"] = conditions
    return item


def wildcard_policy_text(rng: random.Random, statements: int = 10) -> str:
    items = [wildcard_statement(rng, i) for i in range(statements)]
    return json.dumps({"Version": "2012-10-17", "Statement": items})


def policy_text(
    rng: random.Random, statements: int = 10, vocabulary: dict[str, list[str]] = SERVICES
) -> str:
    items = [statement(rng, i, vocabulary) for i in range(statements)]
    body = {"Version": "2012-10-17", "Statement": items}
    return json.dumps(body)


def broad_policy_text(rng: random.Random, service_actions: Sequence[str]) -> str:
    """Boundary / session policy: allows a few services, denies one action with a condition."""
    deny_service = rng.choice(list(SERVICES))
    body = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Allow", "Effect": "Allow", "Action": list(service_actions), "Resource": "*"},
            {
                "Sid": "Deny",
                "Effect": "Deny",
                "Action": f"{deny_service}:Delete*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }
    return json.dumps(body)


def resource_policy_text(principal_arns: Sequence[str]) -> str:
    body = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Partners",
                "Effect": "Allow",
                "Principal": {"AWS": [OTHER_ACCOUNT, *principal_arns]},
                "Action": ["s3:Get*", "s3:List*", "sqs:SendMessage", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            },
            {
                "Sid": "NoPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    return json.dumps(body)


def requests_for(
    rng: random.Random,
    principal: Principal,
    count: int,
    cross: float,
    vocabulary: dict[str, list[str]] = SERVICES,
) -> list[Request]:
    made = []
    for _ in range(count):
        service = rng.choice(list(vocabulary))
        account = OTHER_ACCOUNT if rng.random() < cross else ACCOUNT
        context: dict[str, str | list[str]] = {
            "aws:SourceIp": rng.choice(["10.1.2.3", "192.168.3.7", "203.0.113.5", "2001:db8::1"]),
            "aws:SecureTransport": rng.choice(["true", "true", "true", "false"]),
            "aws:CurrentTime": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z",
            "aws:PrincipalTag/team": rng.choice(TEAMS),
            "aws:RequestedRegion": rng.choice(REGIONS),
            "aws:MultiFactorAuthPresent": rng.choice(["true", "false"]),
        }
        if rng.random() < 0.5:
            context["aws:ResourceTag/team"] = rng.choice(TEAMS)
        if rng.random() < 0.5:
            context["aws:TagKeys"] = rng.sample(["team", "env", "owner", "cost"], rng.randint(0, 2))
        if service == "s3":
            context["s3:prefix"] = f"home/{rng.choice(USERS)}/x"
            context["s3:max-keys"] = str(rng.randint(1, 2000))
        made.append(
            Request(
                principal=principal,
                action=f"{service}:{rng.choice(vocabulary[service])}",
                resource=resource_for(rng, service, account),
                resource_account=account,
                context=context,
            )
        )
    return made


@dataclass
class Scenario:
    name: str
    policies: PolicySet
    requests: list[Request]
    statements: int


def build_scenarios(seed: int, compiler: PolicyCompiler) -> list[Scenario]:
    rng = random.Random(seed)
    alice = Principal("user", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, id="AIDAALICE")

    def compiled(texts: Sequence[str], prefix: str) -> tuple[Any, ...]:
        return tuple(compiler.compile(t, policy_id=f"{prefix}{i}") for i, t in enumerate(texts))

    typical = PolicySet(identity=compiled([policy_text(rng) for _ in range(10)], "typical-"))
    large = PolicySet(
        identity=compiled([policy_text(rng, 10, WIDE_SERVICES) for _ in range(1000)], "large-")
    )
    dense = PolicySet(identity=compiled([policy_text(rng) for _ in range(1000)], "dense-"))
    wild_rng = random.Random(seed + 18)  # its own stream: the other scenarios stay as they were
    wildcard = PolicySet(
        identity=compiled([wildcard_policy_text(wild_rng) for _ in range(1000)], "wildcard-")
    )
    session = Principal(
        "role_session",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/worker",
        ACCOUNT,
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/app",
        id="AROAAPP:worker",
    )
    services = [f"{s}:*" for s in SERVICES]
    fullstack = PolicySet(
        identity=compiled([policy_text(rng) for _ in range(10)], "full-"),
        boundary=compiler.compile(broad_policy_text(rng, services[:8]), policy_id="boundary"),
        session=compiled([broad_policy_text(rng, services[2:]) for _ in range(2)], "session-"),
        resource=compiler.compile(resource_policy_text([session.role_arn or ""]), policy_id="rp"),
    )
    return [
        Scenario("typical", typical, requests_for(rng, alice, 1000, 0.0), 100),
        Scenario("large", large, requests_for(rng, alice, 200, 0.0, WIDE_SERVICES), 10_000),
        Scenario("large_dense", dense, requests_for(rng, alice, 200, 0.0), 10_000),
        Scenario(
            "wildcard",
            wildcard,
            requests_for(wild_rng, alice, 200, 0.0, WILDCARD_SERVICES),
            10_000,
        ),
        Scenario("fullstack", fullstack, requests_for(rng, session, 1000, 0.5), 125),
    ]


def digest(decisions: Sequence[Decision]) -> str:
    text = json.dumps([d.to_json() for d in decisions], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def measure(scenario: Scenario, rounds: int, baseline_limit: int) -> dict[str, Any]:
    """Throughput from the median pass over the requests (robust to a noisy shared machine),
    latency quantiles from per-call timings, and the reference on the same requests."""
    policies, requests = scenario.policies, scenario.requests
    compiled = [evaluate(r, policies) for r in requests]  # also builds the action index
    sample = requests[:baseline_limit] if baseline_limit else requests
    started = time.perf_counter()
    reference = [reference_evaluate(r, policies) for r in sample]
    baseline_us = (time.perf_counter() - started) / len(sample) * 1e6
    passes: list[float] = []
    cpu_passes: list[float] = []  # CPU time of this thread: less sensitive to a busy machine
    timings: list[int] = []
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            started, cpu_started = time.perf_counter(), time.thread_time()
            for request in requests:
                evaluate(request, policies)
            passes.append(time.perf_counter() - started)
            cpu_passes.append(time.thread_time() - cpu_started)
        for _ in range(3):
            for request in requests:
                before = clock()
                evaluate(request, policies)
                timings.append(clock() - before)
        explained: list[float] = []  # a decision with its matched statements (AccessDenied...)
        for _ in range(max(3, rounds // 4)):
            started = time.thread_time()
            for request in requests:
                evaluate(request, policies).matched  # noqa: B018 (the explanation is the point)
            explained.append(time.thread_time() - started)
    finally:
        gc.enable()
    mean_us = statistics.median(passes) / len(requests) * 1e6
    cpu_us = statistics.median(cpu_passes) / len(requests) * 1e6
    quantiles = statistics.quantiles(timings, n=100)
    allowed = sum(d.allowed for d in compiled)
    candidates = [
        sum(map(len, policies.candidates(r.action.lower(), r.resource).slots)) for r in requests
    ]
    return {
        "scenario": scenario.name,
        "statements": scenario.statements,
        "requests": len(requests),
        "allow_share": round(allowed / len(compiled), 3),
        "candidate_statements": round(statistics.mean(candidates), 1),
        "decisions_per_s": round(1e6 / mean_us),
        "mean_us": round(mean_us, 2),
        "cpu_decisions_per_s": round(1e6 / cpu_us),
        "cpu_explained_per_s": round(len(requests) / statistics.median(explained)),
        "best_pass_us": round(min(passes) / len(requests) * 1e6, 2),
        "p50_us": round(quantiles[49] / 1000, 2),
        "p99_us": round(quantiles[98] / 1000, 2),
        "baseline_us": round(baseline_us, 1),
        "speedup": round(baseline_us / mean_us, 1),
        "compared": len(sample),
        "digest_compiled": digest(compiled[: len(sample)]),
        "digest_reference": digest(reference),
    }


def request_json(request: Request) -> dict[str, Any]:
    """``request`` as the JSON object ``rolegate policy eval`` reads (``rolegate.policy.cases``)."""
    who = request.principal
    principal = {"type": who.type, "arn": who.arn, "account": who.account}
    principal.update(
        {f: getattr(who, f) for f in ("role_arn", "user_arn", "id") if getattr(who, f)}
    )
    return {
        "principal": principal,
        "action": request.action,
        "resource": request.resource,
        "resource_account": request.resource_account,
        "context": dict(request.context),
    }


def json_request_cost(requests: Sequence[Request], rounds: int) -> dict[str, Any]:
    """Thread CPU time of ``request_from_json`` per request: from the parsed JSON object, and
    from its text (``json.loads`` included); median of ``rounds`` passes."""
    objects = [request_json(r) for r in requests]
    texts = [json.dumps(o) for o in objects]
    assert [request_from_json(o) for o in objects] == list(requests)
    from_object: list[float] = []
    from_text: list[float] = []
    for _ in range(rounds):
        started = time.thread_time()
        for item in objects:
            request_from_json(item)
        from_object.append(time.thread_time() - started)
        started = time.thread_time()
        for text in texts:
            request_from_json(json.loads(text))
        from_text.append(time.thread_time() - started)
    return {
        "request_json": len(requests),
        "object_to_request_us": round(statistics.median(from_object) / len(objects) * 1e6, 2),
        "text_to_request_us": round(statistics.median(from_text) / len(texts) * 1e6, 2),
        "mean_text_bytes": round(statistics.mean(map(len, texts))),
    }


def compile_cost(seed: int, count: int, *, keep_documents: bool) -> dict[str, Any]:
    """Parse + compile time per policy, and the memory the compiled policies hold."""
    rng = random.Random(seed + 1)
    texts = [policy_text(rng) for _ in range(count)]
    compiler = PolicyCompiler(max_entries=count, keep_documents=keep_documents)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [compiler.compile(t, policy_id=f"p{i}") for i, t in enumerate(texts)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept) == count
    sample = texts[: min(count, 500)]
    started = time.perf_counter()
    for text in sample:
        parse_policy(text)
    parse_us = (time.perf_counter() - started) / len(sample) * 1e6
    fresh = PolicyCompiler(keep_documents=keep_documents)
    started = time.perf_counter()
    for i, text in enumerate(sample):
        fresh.compile(text, policy_id=f"p{i}")
    total_us = (time.perf_counter() - started) / len(sample) * 1e6
    return {
        "policies": count,
        "keep_documents": keep_documents,
        "parse_us_per_policy": round(parse_us, 1),
        "parse_and_compile_us_per_policy": round(total_us, 1),
        "memory_mb": round((after - before) / 2**20, 1),
        "source_text_mb": round(sum(map(len, texts)) / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=20, help="timed passes over the requests")
    parser.add_argument(
        "--baseline", type=int, default=0, help="requests for the reference (0: all of them)"
    )
    parser.add_argument("--memory-policies", type=int, default=10_000)
    parser.add_argument(
        "--only", help="run one scenario, or request_json (and skip the compile/memory part)"
    )
    args = parser.parse_args(argv)
    compiler = PolicyCompiler()
    started = time.perf_counter()
    scenarios = build_scenarios(args.seed, compiler)
    print(f"built scenarios in {time.perf_counter() - started:.2f}s (seed {args.seed})")
    ok = True
    results = []
    for scenario in scenarios:
        if args.only and scenario.name != args.only:
            continue
        result = measure(scenario, args.rounds, args.baseline)
        results.append(result)
        ok &= result["digest_compiled"] == result["digest_reference"]
        print(json.dumps(result))
    if not args.only or args.only == "request_json":
        typical_requests = next(s for s in scenarios if s.name == "typical").requests
        print(json.dumps(json_request_cost(typical_requests, args.rounds)))
    if args.only:
        return 0 if ok else 1
    typical = next(r for r in results if r["scenario"] == "typical")
    full = next(r for r in results if r["scenario"] == "fullstack")
    print(json.dumps({"fullstack_over_typical": round(full["mean_us"] / typical["mean_us"], 2)}))
    for keep in (True, False):
        print(json.dumps(compile_cost(args.seed, args.memory_policies, keep_documents=keep)))
    if not ok:
        print("DIGEST MISMATCH: compiled and reference decisions differ", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
