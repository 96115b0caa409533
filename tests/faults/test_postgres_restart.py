"""PostgreSQL restarted under load with two nodes (issue 17, 3).

Two ``rolegate serve`` processes on a private cluster (private_postgres.py). Clients keep asking
both nodes for a user (a read), the caller's identity through an IAM user's key (authentication),
and a new user (a write) while the cluster is stopped and started again. Every answer is either
right or AWS's 5xx for a server-side failure (``ServiceFailure``, 500, as IAM lists in each
operation's errors; ``ServiceUnavailable`` also passes), and comes back well within the server's
5-second connect timeout (store/dialects.py): never a hang, never an ``AccessDenied``,
``NoSuchEntity`` or ``InvalidClientTokenId`` because the database was away. Once the cluster is
back, both nodes answer again within seconds, without a restart.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fault_helpers import bounded_client, require_root
from private_postgres import PrivatePostgres

from harness import ACCOUNT_ID, Server

pytestmark = pytest.mark.e2e

SERVER_FAILURES = {"ServiceFailure", "ServiceUnavailable"}
ANSWER_BOUND_S = 4.0  # under the server's 5-second connect timeout
OUTAGE_S = 3.0


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    require_root()
    found = PrivatePostgres().init()
    try:
        found.start()
        yield found
    finally:
        found.remove()


@dataclass
class Answers:
    """Every answer of the load: (when it was asked, seconds taken, error code or "")."""

    seen: list[tuple[float, float, str]] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, what: str, call: Callable[[], Any], check: Callable[[Any], bool]) -> None:
        asked = time.monotonic()
        code = ""
        try:
            if not check(call()):
                self.wrong.append(f"{what}: a wrong answer")
        except ClientError as error:
            code = error.response["Error"]["Code"]
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            if code not in SERVER_FAILURES or status < 500:
                self.wrong.append(f"{what}: {status} {code} {error.response['Error']}")
        except Exception as error:  # a timeout, a reset connection, a body that is not XML
            code = type(error).__name__
            self.wrong.append(f"{what}: {error!r}")
        with self.lock:
            self.seen.append((asked, time.monotonic() - asked, code))


def test_both_nodes_survive_a_postgres_restart(cluster: PrivatePostgres, tmp_path: Path) -> None:
    nodes = [Server(tmp_path / "data", cluster.url).start() for _ in range(2)]
    try:
        root = bounded_client(nodes[0].endpoint)
        root.create_user(UserName="steady")
        key = root.create_access_key(UserName="steady")["AccessKey"]
        answers = Answers()
        stopping = threading.Event()

        def load(node: Server) -> None:
            iam = bounded_client(node.endpoint, read_timeout=ANSWER_BOUND_S * 3)
            sts = bounded_client(
                node.endpoint,
                "sts",
                read_timeout=ANSWER_BOUND_S * 3,
                key_id=key["AccessKeyId"],
                secret=key["SecretAccessKey"],
            )
            arn = f"arn:aws:iam::{ACCOUNT_ID}:user/steady"
            while not stopping.is_set():
                answers.ask(
                    "GetUser",
                    lambda: iam.get_user(UserName="steady"),
                    lambda r: r["User"]["Arn"] == arn,
                )
                answers.ask("GetCallerIdentity", sts.get_caller_identity, lambda r: r["Arn"] == arn)
                name = f"during-{uuid.uuid4().hex[:8]}"
                answers.ask(
                    "CreateUser",
                    lambda: iam.create_user(UserName=name),  # noqa: B023 (called at once)
                    lambda r: r["User"]["UserName"] == name,  # noqa: B023
                )
                time.sleep(0.02)

        workers = [threading.Thread(target=load, args=(n,), daemon=True) for n in nodes * 2]
        for worker in workers:
            worker.start()
        time.sleep(1.0)
        cluster.stop("fast")
        down = time.monotonic()
        time.sleep(OUTAGE_S)
        cluster.start()
        up = time.monotonic()
        back = [_serving_again(node, up) for node in nodes]
        time.sleep(1.0)
        stopping.set()
        for worker in workers:
            worker.join(timeout=60)
        assert not any(worker.is_alive() for worker in workers), "a client hung"
        assert answers.wrong == []
        during = [seen for seen in answers.seen if down <= seen[0] <= up]
        failures = [seen for seen in during if seen[2]]
        assert failures, "no request met the outage"
        assert max(taken for _, taken, _ in answers.seen) < ANSWER_BOUND_S
        assert all(seconds < 10 for seconds in back), back
        after = [seen for seen in answers.seen if seen[0] > up + max(back)]
        assert after and not any(code for _, _, code in after)
    finally:
        for node in nodes:
            node.stop()


def _serving_again(node: Server, since: float) -> float:
    """Seconds from ``since`` until ``node`` answers a read that needs the database."""
    iam = bounded_client(node.endpoint, read_timeout=ANSWER_BOUND_S * 3)
    while time.monotonic() - since < 30:
        try:
            iam.get_user(UserName="steady")
            return time.monotonic() - since
        except ClientError:
            time.sleep(0.1)
    return time.monotonic() - since
