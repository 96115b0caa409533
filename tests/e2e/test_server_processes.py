"""``rolegate serve --workers 2``: two server processes on one port share the database, so any
process answers any request (README.md, "Processes and threads"); the master key reaches them
outside their environment."""

from __future__ import annotations

import base64
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sts_helpers import Account, User, allow, document, trust

from rolegate.auth.keyring import KeyRing
from rolegate.auth.session_token import SessionTokenCodec

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

TRUST = trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})


@dataclass
class TwoProcessServer(Server):
    def command(self) -> list[str]:
        return [*super().command(), "--workers", "2", "--threads", "1"]

    def environment(self) -> dict[str, str]:
        # Not measured by coverage: a worker that starts under coverage on a loaded machine can
        # miss uvicorn's 5-second health check and be replaced, under the test's feet. The code
        # the workers run is the app's, measured in process and in the single-process servers.
        env = super().environment()
        env.pop("COVERAGE_PROCESS_CONFIG", None)
        return env


@pytest.fixture(scope="module")
def two_processes(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"procs-db-{backend}")) as url:
        srv = TwoProcessServer(tmp_path_factory.mktemp(f"procs-{backend}"), url).start()
        try:
            yield srv
        finally:
            srv.stop()


def child_processes(server: Server) -> dict[int, str]:
    """Process id -> command line of each child of the process ``rolegate serve`` became."""
    assert server.process is not None
    pid = server.process.pid
    found = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        found[int(child)] = command
    return found


def server_processes(server: Server) -> list[str]:
    """The serving processes: children started by ``multiprocessing`` (besides them the server
    has a resource tracker)."""
    return [command for command in child_processes(server).values() if "spawn_main" in command]


def test_two_processes_serve(two_processes: Server) -> None:
    assert len(server_processes(two_processes)) == 2


def test_writes_from_many_connections_are_seen_by_every_process(two_processes: Server) -> None:
    names = [f"proc-{n:02d}" for n in range(24)]

    def create(name: str) -> str:
        # a client of its own per call: a new connection, which either process may accept
        iam = two_processes.client("iam")
        role = iam.create_role(RoleName=name, Path="/procs/", AssumeRolePolicyDocument=TRUST)
        return str(role["Role"]["RoleName"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(create, names))
    assert created == names
    for _ in range(4):  # fresh connections again: whichever process answers lists them all
        listed = two_processes.client("iam").list_roles(PathPrefix="/procs/")["Roles"]
        assert sorted(role["RoleName"] for role in listed) == names
    duplicate = two_processes.client("iam")
    with pytest.raises(duplicate.exceptions.EntityAlreadyExistsException):
        duplicate.create_role(RoleName="PROC-00", AssumeRolePolicyDocument=TRUST)


def test_a_session_issued_by_one_process_is_accepted_by_both(two_processes: Server) -> None:
    iam = two_processes.client("iam")
    iam.create_user(UserName="proc-caller")
    assume = document(allow("sts:AssumeRole"))
    iam.put_user_policy(UserName="proc-caller", PolicyName="assume", PolicyDocument=assume)
    key = iam.create_access_key(UserName="proc-caller")["AccessKey"]
    caller = {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/proc-caller"}
    role = iam.create_role(RoleName="proc-target", AssumeRolePolicyDocument=trust(caller))["Role"]
    sts = two_processes.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="across")["Credentials"]
    for _ in range(6):  # each a new connection: both processes open the sealed token
        session = two_processes.client(
            "sts",
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        identity = session.get_caller_identity()
        assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/proc-target/across"
    used = iam.get_role(RoleName="proc-target")["Role"]["RoleLastUsed"]
    assert used["Region"] == "us-east-1"


MASTER_KEY = bytes(range(1, 33))
MASTER_KEY_TEXT = base64.b64encode(MASTER_KEY).decode()


@dataclass
class KeyedTwoProcessServer(TwoProcessServer):
    """Given the master key by the operator, in ROLEGATE_MASTER_KEY."""

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "ROLEGATE_MASTER_KEY": MASTER_KEY_TEXT}


@contextmanager
def only_the_other_serves(worker: int) -> Iterator[None]:
    """``worker`` stopped (SIGSTOP), so connections made meanwhile go to the other one; kept
    short, well within uvicorn's 5-second health check."""
    os.kill(worker, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(worker, signal.SIGCONT)


def test_the_master_key_reaches_the_workers_outside_their_environment(
    backend: str, tmp_path: Path
) -> None:
    """No worker's /proc/<pid>/environ holds the key (nor does the resource tracker's), the
    data directory gets no master.key, each worker opens the session tokens the other sealed
    with exactly that key, and the private file it travelled in is gone after the server."""
    with fresh_database_url(backend, tmp_path) as url:
        server = KeyedTwoProcessServer(tmp_path / "data", url).start()
        try:
            children = child_processes(server)
            workers = [pid for pid, command in children.items() if "spawn_main" in command]
            assert len(workers) == 2
            key_files = set()
            for pid in children:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                assert not any(MASTER_KEY_TEXT.encode() in entry for entry in environ)
                assert not any(entry.startswith(b"ROLEGATE_MASTER_KEY=") for entry in environ)
                key_files |= {e for e in environ if e.startswith(b"ROLEGATE_MASTER_KEY_FILE=")}
            assert not (server.data_dir / "master.key").exists()
            _sessions_cross_between(server, *workers)
        finally:
            server.stop()
    assert len(key_files) == 1
    assert not Path(key_files.pop().split(b"=", 1)[1].decode()).exists()


def _sessions_cross_between(server: Server, first: int, second: int) -> None:
    account = Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    caller = account.user(document(allow("sts:AssumeRole")))
    role = account.role(trust({"AWS": caller.arn}))
    codec = SessionTokenCodec(KeyRing.from_master_key(MASTER_KEY))

    def assume(user: User) -> dict[str, Any]:
        credentials: dict[str, Any] = user.client().assume_role(
            RoleArn=role["Arn"], RoleSessionName="across"
        )["Credentials"]
        opened = codec.open(
            credentials["AccessKeyId"], credentials["SessionToken"], datetime.now(UTC)
        )  # sealed with the operator's key
        assert opened.role_arn == role["Arn"]
        return credentials

    def identity(credentials: dict[str, Any]) -> str:
        session = server.client(
            "sts",
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        return str(session.get_caller_identity()["Arn"])

    with only_the_other_serves(second):
        sealed_by_first = assume(caller)
    with only_the_other_serves(first):
        assert identity(sealed_by_first).endswith(f":assumed-role/{role['RoleName']}/across")
        sealed_by_second = assume(caller)
    with only_the_other_serves(second):
        assert identity(sealed_by_second).endswith(f":assumed-role/{role['RoleName']}/across")
