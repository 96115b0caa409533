"""``rolegate serve --workers 2``: two server processes on one port share the database, so any
process answers any request (README, "Processes and threads")."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sts_helpers import allow, document, trust

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, Server

TRUST = trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})


@dataclass
class TwoProcessServer(Server):
    def command(self) -> list[str]:
        return [*super().command(), "--workers", "2", "--threads", "1"]


@pytest.fixture(scope="module")
def two_processes(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_database_url(backend, tmp_path_factory.mktemp(f"procs-db-{backend}")) as url:
        srv = TwoProcessServer(tmp_path_factory.mktemp(f"procs-{backend}"), url).start()
        try:
            yield srv
        finally:
            srv.stop()


def server_processes(server: Server) -> list[str]:
    """The serving processes: children of the process ``rolegate serve`` became, started by
    ``multiprocessing`` (besides them it has a resource tracker)."""
    assert server.process is not None
    pid = server.process.pid
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if "spawn_main" in command:
            found.append(command)
    return found


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
