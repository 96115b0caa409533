"""Disk full on SQLite (issue 17, 3): the database on a small tmpfs, filled up under a running
server.

Writes then fail with IAM's answer for a server-side failure: HTTP 500, ``ServiceFailure``
(every IAM write operation lists ``ServiceFailureException`` in botocore's model) with the
documented message and a request id, in AWS's XML; never a traceback. Reads keep working, the
database passes ``PRAGMA integrity_check``, no acknowledged write is lost, and once space returns
the same process accepts writes again. The server's data directory (master key, log) stays off
the small file system: only the database files are starved.
"""

from __future__ import annotations

import errno
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_helpers import database, half_written, require_root

from harness import Server
from signing import Reply, send, signed

pytestmark = pytest.mark.e2e

SERVICE_FAILURE = (
    "The request processing has failed because of an unknown error, exception or failure."
)
# a policy of about 5 KB (the quota is 6,144 characters): a few outgrow the space left
BIG_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{n:04d}/*"}
            for n in range(70)
        ],
    }
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    require_root()
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(directory: Path) -> Path:
    """A file that takes every free byte of ``directory``'s file system."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def call(server: Server, action: str, **params: str) -> Reply:
    url, body, headers = signed(
        server.endpoint, {"Action": action, "Version": "2010-05-08", **params}
    )
    return send(url, body=body, headers=headers)


def test_disk_full_fails_writes_cleanly_and_recovers(small_disk: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{small_disk}/rolegate.db"
    server = Server(tmp_path / "data", url).start()
    try:
        assert call(server, "CreateUser", UserName="before").status == 200
        filler = fill(small_disk)
        failures, acknowledged = [], []
        for number in range(60):
            reply = call(
                server, "CreatePolicy", PolicyName=f"full-{number}", PolicyDocument=BIG_POLICY
            )
            if reply.status == 200:
                acknowledged.append(f"full-{number}")
                continue
            failures.append(reply)
            if len(failures) == 3:
                break
        assert failures, "no write failed on a full disk"
        for reply in failures:
            assert reply.status == 500
            assert reply.find("Code") == "ServiceFailure"
            assert reply.find("Message") == SERVICE_FAILURE
            assert reply.find("RequestId")
            assert b"Traceback" not in reply.body and b"sqlite" not in reply.body.lower()
        read = call(server, "GetUser", UserName="before")
        assert read.status == 200 and read.find("UserName") == "before"
        listed = call(server, "ListPolicies", Scope="Local")
        assert listed.status == 200
        with database(url) as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        filler.unlink()
        after = call(server, "CreateUser", UserName="after")
        assert after.status == 200, after.body
        for name in acknowledged:
            arn = f"arn:aws:iam::123456789012:policy/{name}"
            assert call(server, "GetPolicy", PolicyArn=arn).status == 200
        assert call(server, "GetUser", UserName="after").status == 200
        assert half_written(url) == {}
    finally:
        server.stop()
