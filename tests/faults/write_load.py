"""Concurrent IAM writers that remember every write the server acknowledged (an HTTP 200), and
the check that each of them is still there, whole, after a crash.

Each writer repeats one unit of work under names of its own: a customer managed policy, a role
with tags, the policy attached to the role, an inline role policy, a user, tags on the user.
A write that failed (the server died under it) is not acknowledged: it may or may not be there,
but never in part (tests/faults/fault_helpers.py, ``half_written``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fault_helpers import bounded_client

from harness import ACCOUNT_ID

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def permissions(name: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
        ],
    }


@dataclass(frozen=True)
class Write:
    """One acknowledged write: ``kind`` of entity, its ``name``, and the owner for attachments."""

    kind: str  # policy | role | attachment | inline | user | user_tags
    name: str
    owner: str = ""


@dataclass
class WriteLoad:
    """``threads`` writers against ``endpoint`` until ``stop()`` or until the server goes away."""

    endpoint: str
    prefix: str
    threads: int = 4
    acknowledged: list[Write] = field(default_factory=list)
    # errors other than "the server went away": any of them fails the test
    unexpected: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> WriteLoad:
        for number in range(self.threads):
            worker = threading.Thread(target=self._write, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def count(self) -> int:
        with self._lock:
            return len(self.acknowledged)

    def stop(self) -> None:
        self._stopping.set()
        for worker in self._workers:
            worker.join(timeout=60)
            assert not worker.is_alive(), "a writer hung after the server died"

    def _ack(self, write: Write) -> None:
        with self._lock:
            self.acknowledged.append(write)

    def _write(self, number: int) -> None:
        iam = bounded_client(self.endpoint)
        unit = 0
        while not self._stopping.is_set():
            base = f"{self.prefix}-{number}-{unit}"
            try:
                self._unit(iam, base)
            except ClientError as error:  # an AWS answer: none is expected here
                self.unexpected.append(f"{base}: {error.response['Error']}")
                return
            except BotoCoreError:  # connection refused or reset: the server was killed
                return
            unit += 1

    def _unit(self, iam: Any, base: str) -> None:
        policy = iam.create_policy(
            PolicyName=f"{base}-p", PolicyDocument=json.dumps(permissions(base))
        )["Policy"]
        self._ack(Write("policy", f"{base}-p"))
        iam.create_role(
            RoleName=f"{base}-r",
            AssumeRolePolicyDocument=json.dumps(TRUST),
            Tags=[{"Key": "unit", "Value": base}, {"Key": "kind", "Value": "role"}],
        )
        self._ack(Write("role", f"{base}-r"))
        iam.attach_role_policy(RoleName=f"{base}-r", PolicyArn=policy["Arn"])
        self._ack(Write("attachment", f"{base}-p", owner=f"{base}-r"))
        iam.put_role_policy(
            RoleName=f"{base}-r", PolicyName="inline", PolicyDocument=json.dumps(permissions(base))
        )
        self._ack(Write("inline", "inline", owner=f"{base}-r"))
        iam.create_user(UserName=f"{base}-u", Path="/load/")
        self._ack(Write("user", f"{base}-u"))
        iam.tag_user(
            UserName=f"{base}-u", Tags=[{"Key": "unit", "Value": base}, {"Key": "n", "Value": "2"}]
        )
        self._ack(Write("user_tags", f"{base}-u"))


def missing_writes(endpoint: str, acknowledged: list[Write]) -> list[str]:
    """Each acknowledged write that the server does not show, whole, through the API."""
    iam = bounded_client(endpoint)
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
    missing = []
    for write in acknowledged:
        try:
            if write.kind == "policy":
                version = iam.get_policy_version(PolicyArn=arn + write.name, VersionId="v1")
                base = write.name.removesuffix("-p")
                assert version["PolicyVersion"]["Document"] == permissions(base)
            elif write.kind == "role":
                role = iam.get_role(RoleName=write.name)["Role"]
                assert role["AssumeRolePolicyDocument"] == TRUST
                tags = {tag["Key"]: tag["Value"] for tag in role["Tags"]}
                assert tags == {"unit": write.name.removesuffix("-r"), "kind": "role"}
            elif write.kind == "attachment":
                attached = iam.list_attached_role_policies(RoleName=write.owner)
                names = [p["PolicyName"] for p in attached["AttachedPolicies"]]
                assert names == [write.name]
                assert iam.get_policy(PolicyArn=arn + write.name)["Policy"]["AttachmentCount"] == 1
            elif write.kind == "inline":
                inline = iam.get_role_policy(RoleName=write.owner, PolicyName=write.name)
                assert inline["PolicyDocument"] == permissions(write.owner.removesuffix("-r"))
            elif write.kind == "user":
                assert iam.get_user(UserName=write.name)["User"]["Path"] == "/load/"
            elif write.kind == "user_tags":
                tags = iam.list_user_tags(UserName=write.name)["Tags"]
                assert tags == [
                    {"Key": "unit", "Value": write.name.removesuffix("-u")},
                    {"Key": "n", "Value": "2"},
                ]
            else:
                raise AssertionError(write.kind)
        except (ClientError, AssertionError) as error:
            missing.append(f"{write}: {error!r}")
    return missing


# The audit event of each kind of write: its eventName and the requestParameters that name it.
AUDITED_AS: dict[str, tuple[str, Callable[[Write], dict[str, str]]]] = {
    "policy": ("CreatePolicy", lambda w: {"policyName": w.name}),
    "role": ("CreateRole", lambda w: {"roleName": w.name}),
    "attachment": (
        "AttachRolePolicy",
        lambda w: {"roleName": w.owner, "policyArn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{w.name}"},
    ),
    "inline": ("PutRolePolicy", lambda w: {"roleName": w.owner, "policyName": w.name}),
    "user": ("CreateUser", lambda w: {"userName": w.name}),
    "user_tags": ("TagUser", lambda w: {"userName": w.name}),
}


def unaudited_writes(endpoint: str, acknowledged: list[Write]) -> list[str]:
    """Each acknowledged write without its successful event in the audit trail, read with
    CloudTrail's LookupEvents (a write's event commits in the write's own transaction)."""
    trail = bounded_client(endpoint, "cloudtrail")
    seen: list[tuple[str, dict[str, Any]]] = []
    kwargs: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}],
        "MaxResults": 50,
    }
    while True:
        page = trail.lookup_events(**kwargs)
        for event in page["Events"]:
            record = json.loads(event["CloudTrailEvent"])
            if "errorCode" not in record:
                seen.append((record["eventName"], record.get("requestParameters") or {}))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    missing = []
    for write in acknowledged:
        name, expected = AUDITED_AS[write.kind]
        wanted = expected(write)
        if not any(
            event == name and all(params.get(k) == v for k, v in wanted.items())
            for event, params in seen
        ):
            missing.append(f"{write}: no {name} event")
    return missing


def api_inconsistencies(endpoint: str, prefix: str) -> list[str]:
    """What the API itself shows out of step: a policy's AttachmentCount against the entities
    it is attached to, and every listed role readable with its trust policy."""
    iam = bounded_client(endpoint)
    found = []
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for policy in page["Policies"]:
            if not policy["PolicyName"].startswith(prefix):
                continue
            entities = iam.list_entities_for_policy(PolicyArn=policy["Arn"])
            attached = len(entities["PolicyRoles"]) + len(entities["PolicyUsers"])
            if attached != policy["AttachmentCount"]:
                found.append(f"{policy['PolicyName']}: {policy['AttachmentCount']} != {attached}")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if role["RoleName"].startswith(prefix) and not role.get("AssumeRolePolicyDocument"):
                found.append(f"{role['RoleName']} listed without its trust policy")
    return found
