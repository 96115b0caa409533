"""The audit trail of ``rolegate serve`` processes, on both backends: the AWS CLI's
``aws cloudtrail lookup-events`` (the commands of docs/audit.md), the JSON-lines stream
(``--audit-log``) and its flush at shutdown, the retention (``--audit-retention-days``), and
the decisions of the authorization service."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit_helpers import by_attribute, eventually
from authz_helpers import WIDGETS, AuthzServer, question, signed
from sts_helpers import Account

from rolegate.auth.keyring import KeyRing
from rolegate.auth.master_key import load_or_create_master_key
from rolegate.domain.audit_event import AuditEvent
from rolegate.store import Store

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server

ROOT_ARN = f"arn:aws:iam::{ACCOUNT_ID}:root"


def test_the_aws_cli_looks_up_events(server: Server, unique: Any) -> None:
    name = unique("cli")
    iam = server.client("iam")
    iam.create_user(UserName=name)
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "audit"}])
    found = server.aws_json(
        "cloudtrail",
        "lookup-events",
        "--lookup-attributes",
        f"AttributeKey=ResourceName,AttributeValue={name}",
        "--page-size",
        "1",  # MaxResults of each call: the CLI follows NextToken itself
    )
    assert [e["EventName"] for e in found["Events"]] == ["TagUser", "CreateUser"]
    record = json.loads(found["Events"][1]["CloudTrailEvent"])
    assert record["requestParameters"] == {"userName": name}
    assert record["userIdentity"]["arn"] == ROOT_ARN
    # docs/audit.md: events whose record mentions a value, with --query
    query = f'Events[?contains(CloudTrailEvent, \'"userName":"{name}"\')].EventName'
    names = server.aws_json("cloudtrail", "lookup-events", "--query", query)
    assert sorted(names) == ["CreateUser", "TagUser"]
    refused = server.aws(
        "cloudtrail",
        "lookup-events",
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=A",
        "AttributeKey=EventName,AttributeValue=B",
    )
    assert refused.returncode == 255  # the CLI v1 exit code of a service error
    assert "InvalidLookupAttributesException" in refused.stderr


def test_stream_retention_and_shutdown(
    start_server: Callable[..., Server], tmp_path: Path, unique: Any
) -> None:
    stream = tmp_path / "trail" / "audit.jsonl"
    srv = start_server(args=("--audit-log", str(stream), "--audit-retention-days", "1"))
    iam = srv.client("iam")
    name = unique("streamed")
    iam.create_user(UserName=name)
    iam.get_user(UserName=name)  # a read: through the outbox
    srv.stop()  # graceful: what the outbox holds is stored and streamed before the exit
    lines = stream.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    mine = [r for r in records if (r["requestParameters"] or {}).get("userName") == name]
    assert [r["eventName"] for r in mine] == ["CreateUser", "GetUser"]
    assert all(r["eventVersion"] == "1.09" for r in records)
    assert stream.stat().st_mode & 0o777 == 0o600

    # an event older than the retention is pruned by the server in the background
    old = _seed_event(srv, datetime.now(UTC) - timedelta(days=2))
    recent = _seed_event(srv, datetime.now(UTC) - timedelta(hours=12))
    srv.start()
    cloudtrail = srv.client("cloudtrail")
    assert eventually(lambda: by_attribute(cloudtrail, "EventId", recent)) != []
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    while by_attribute(cloudtrail, "EventId", old) and datetime.now(UTC) < deadline:
        time.sleep(0.2)
    assert by_attribute(cloudtrail, "EventId", old) == []
    assert len(by_attribute(cloudtrail, "EventId", recent)) == 1
    # the stream goes on across restarts, appended to
    srv.client("sts").get_caller_identity()
    srv.stop()
    assert len(stream.read_text().splitlines()) > len(lines)


def _seed_event(srv: Server, when: datetime) -> str:
    ring = KeyRing.from_master_key(load_or_create_master_key(srv.data_dir, None))
    url = srv.database_url or f"sqlite:///{(srv.data_dir / 'rolegate.db').resolve()}"
    store = Store.open(url, sealer=ring)
    event_id = str(uuid.uuid4())
    try:
        with store.transaction() as tx:
            tx.audit_events.insert(
                [
                    AuditEvent(
                        event_id=event_id,
                        account_id=ACCOUNT_ID,
                        event_time=when,
                        event_name="ListUsers",
                        event_source="iam.amazonaws.com",
                        username="root",
                        access_key_id=ROOT_KEY_ID,
                        read_only=True,
                        resources=(),
                        record="{}",
                    )
                ]
            )
    finally:
        store.close()
    return event_id


def test_decisions_of_the_authorization_service_are_events(authz: AuthzServer) -> None:
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    nobody = home.user()
    url = f"https://widgets.internal/widgets/{uuid.uuid4().hex}"
    resource = f"{WIDGETS}/{uuid.uuid4().hex}"
    allowed = authz.ask(question(signed(ROOT_KEY_ID, ROOT_SECRET, url), resource=resource))
    denied = authz.ask(question(signed(nobody.key_id, nobody.secret, url), resource=resource))
    forged = authz.ask(question(signed(nobody.key_id, "x" * 40, url), resource=resource))
    assert [answer[1]["decision"] for answer in (allowed, denied, forged)] == ["Allow"] * 1 + [
        "ImplicitDeny"
    ] * 2
    cloudtrail = home.client("cloudtrail")
    events = eventually(lambda: by_attribute(cloudtrail, "ResourceName", resource), count=3)
    by_request = {e["record"]["requestID"]: e for e in events}
    yes = by_request[allowed[1]["request_id"]]["record"]
    assert (yes["eventSource"], yes["eventName"]) == ("widgets.amazonaws.com", "GetWidget")
    assert yes["additionalEventData"] == {"authorizationService": True, "decision": "Allow"}
    assert yes["userIdentity"]["type"] == "Root" and "errorCode" not in yes
    no = by_request[denied[1]["request_id"]]["record"]
    assert no["errorCode"] == "AccessDenied"
    assert no["errorMessage"] == denied[1]["message"]
    assert no["userIdentity"]["userName"] == nobody.name
    bad = by_request[forged[1]["request_id"]]["record"]
    assert bad["errorCode"] == "SignatureDoesNotMatch"
    assert bad["userIdentity"] == {
        "type": "Unknown",
        "accountId": ACCOUNT_ID,
        "accessKeyId": nobody.key_id,
    }
