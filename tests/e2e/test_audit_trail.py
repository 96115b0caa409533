"""The audit trail through CloudTrail's LookupEvents (boto3's ``cloudtrail`` client), on both
backends: what each call records, durability with the change, refusals, every lookup attribute,
pages and their tokens, bad input with CloudTrail's codes, and who may look (docs/audit.md)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from audit_helpers import by_attribute, flush, lookup
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from in_process import InProcessNode
from policy_helpers import error_of
from sts_helpers import allow, document, new_account, trust

from rolegate.domain.audit_event import AuditEvent
from rolegate.store import AuditQuery

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET

ROOT_ARN = f"arn:aws:iam::{ACCOUNT_ID}:root"


@pytest.fixture
def cloudtrail(node: InProcessNode) -> Any:
    return node.client("cloudtrail")


def test_a_write_has_its_event_when_it_is_acknowledged(
    node: InProcessNode, iam: Any, cloudtrail: Any, unique: Any
) -> None:
    name = unique("audited")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    # no flush: a write's event is committed in the write's own transaction
    (event,) = by_attribute(cloudtrail, "ResourceName", name)
    record = event["record"]
    assert event["EventName"] == "CreateRole"
    assert event["EventSource"] == "iam.amazonaws.com"
    assert event["ReadOnly"] == "false"
    assert event["Username"] == "root"
    assert event["AccessKeyId"] == ROOT_KEY_ID
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::Role", "ResourceName": name}]
    assert record["eventVersion"] == "1.09"
    assert record["userIdentity"] == {
        "type": "Root",
        "principalId": ACCOUNT_ID,
        "arn": ROOT_ARN,
        "accountId": ACCOUNT_ID,
        "accessKeyId": ROOT_KEY_ID,
    }
    assert record["eventName"] == "CreateRole" and record["awsRegion"] == "us-east-1"
    assert record["requestParameters"]["roleName"] == name
    assert json.loads(record["requestParameters"]["assumeRolePolicyDocument"])
    assert record["responseElements"]["role"]["arn"] == role["Role"]["Arn"]
    assert record["responseElements"]["role"]["roleId"] == role["Role"]["RoleId"]
    assert record["eventType"] == "AwsApiCall" and record["managementEvent"] is True
    assert record["recipientAccountId"] == ACCOUNT_ID
    assert record["readOnly"] is False and "errorCode" not in record
    assert record["sourceIPAddress"] == "127.0.0.1" and "Boto3" in record["userAgent"]
    assert uuid.UUID(record["eventID"]).version == 4 and record["eventID"] == event["EventId"]
    assert record["eventTime"] == event["EventTime"].strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_refused_write_keeps_no_event_of_its_change_only_its_refusal(
    node: InProcessNode, iam: Any, cloudtrail: Any, unique: Any
) -> None:
    name = unique("twice")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    with pytest.raises(ClientError):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    flush(node)
    events = by_attribute(cloudtrail, "ResourceName", name)
    refusal = events[0]["record"]
    assert (refusal["errorCode"], refusal["responseElements"]) == ("EntityAlreadyExists", None)
    assert events[0]["record"]["errorMessage"] == f"Role with name {name} already exists."
    assert [e["record"].get("errorCode") for e in events] == ["EntityAlreadyExists", None]


def test_reads_are_recorded_through_the_outbox_without_response_elements(
    node: InProcessNode, iam: Any, sts: Any, cloudtrail: Any, unique: Any
) -> None:
    name = unique("read")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    iam.get_role(RoleName=name)
    identity = sts.get_caller_identity()
    flush(node)
    (get_role,) = [
        e for e in by_attribute(cloudtrail, "ResourceName", name) if e["EventName"] == "GetRole"
    ]
    assert get_role["ReadOnly"] == "true"
    assert get_role["record"]["requestParameters"] == {"roleName": name}
    assert get_role["record"]["responseElements"] is None
    found = [
        e
        for e in by_attribute(cloudtrail, "EventName", "GetCallerIdentity")
        if e["record"]["requestID"] == identity["ResponseMetadata"]["RequestId"]
    ]
    (event,) = found
    assert event["EventSource"] == "sts.amazonaws.com"
    assert event["record"]["requestParameters"] is None


def test_refused_calls_are_recorded_with_their_error(
    node: InProcessNode, cloudtrail: Any, unique: Any
) -> None:
    home = new_account(node)
    user = home.user()
    iam = user.client("iam")
    with pytest.raises(ClientError) as denied:
        iam.list_roles()
    with pytest.raises(ClientError):
        iam.create_role(RoleName="bad name!", AssumeRolePolicyDocument="{}")
    wrong = node.client("iam", user.key_id, "not-the-secret-" + "x" * 25)
    with pytest.raises(ClientError):
        wrong.list_users()
    flush(node)
    ct = home.client("cloudtrail")
    events = {e["EventName"]: e for e in by_attribute(ct, "AccessKeyId", user.key_id)}
    listed = events["ListRoles"]["record"]
    assert listed["errorCode"] == "AccessDenied"
    assert listed["errorMessage"] == denied.value.response["Error"]["Message"]
    assert listed["userIdentity"]["type"] == "IAMUser"
    assert listed["userIdentity"]["userName"] == user.name
    assert listed["userIdentity"]["principalId"] == user.user_id
    assert events["ListRoles"]["Username"] == user.name
    created = events["CreateRole"]["record"]
    assert created["errorCode"] == "ValidationError"
    assert "roleName" in created["errorMessage"]
    bad_signature = events["ListUsers"]["record"]
    assert bad_signature["errorCode"] == "SignatureDoesNotMatch"
    assert bad_signature["userIdentity"] == {
        "type": "Unknown",
        "accountId": home.account_id,
        "accessKeyId": user.key_id,
    }
    assert bad_signature["recipientAccountId"] == home.account_id


def test_a_key_nobody_knows_is_recorded_without_an_account(node: InProcessNode) -> None:
    stranger = "AKIA" + uuid.uuid4().hex[:16].upper()
    with pytest.raises(ClientError):
        node.client("sts", stranger, "x" * 40).get_caller_identity()
    flush(node)
    store = node.app.runtime.store
    now = datetime.now(UTC)
    with store.transaction(write=False) as tx:
        found = tx.audit_events.lookup(
            AuditQuery("", now - timedelta(minutes=5), now, 50, ("AccessKeyId", stranger))
        )
    (event,) = found
    record = json.loads(event.record)
    assert record["errorCode"] == "InvalidClientTokenId"
    assert record["userIdentity"] == {"type": "Unknown", "accessKeyId": stranger}
    assert record["recipientAccountId"] == ""


def test_every_lookup_attribute_finds_its_events_only(
    node: InProcessNode, iam: Any, cloudtrail: Any, unique: Any
) -> None:
    name = unique("attr")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.put_user_policy(
        UserName=name, PolicyName="p", PolicyDocument=document(allow("iam:GetUser"))
    )
    node.client("iam", key["AccessKeyId"], key["SecretAccessKey"]).get_user(UserName=name)
    flush(node)
    (get_user,) = by_attribute(cloudtrail, "AccessKeyId", key["AccessKeyId"])
    assert get_user["EventName"] == "GetUser" and get_user["Username"] == name
    checks = {
        "EventId": get_user["EventId"],
        "EventName": "GetUser",
        "Username": name,
        "ResourceName": name,
        "ResourceType": "AWS::IAM::User",
        "EventSource": "iam.amazonaws.com",
        "ReadOnly": "true",
    }
    for key_name, value in checks.items():
        found = by_attribute(cloudtrail, key_name, value)
        assert get_user["EventId"] in {e["EventId"] for e in found}, key_name
        for event in found:
            record = event["record"]
            if key_name == "EventName":
                assert event["EventName"] == value
            elif key_name == "Username":
                assert event["Username"] == value
            elif key_name == "ResourceName":
                assert value in {r["ResourceName"] for r in event["Resources"]}
            elif key_name == "ResourceType":
                assert value in {r["ResourceType"] for r in event["Resources"]}
            elif key_name == "EventSource":
                assert record["eventSource"] == value
            elif key_name == "ReadOnly":
                assert record["readOnly"] is True
            else:
                assert event["EventId"] == value
    writes = by_attribute(cloudtrail, "ReadOnly", "false")
    assert writes and all(e["record"]["readOnly"] is False for e in writes)


def test_events_come_newest_first_in_pages_with_sealed_tokens(
    node: InProcessNode, iam: Any, cloudtrail: Any, unique: Any
) -> None:
    name = unique("paged")
    iam.create_user(UserName=name)
    for tag in range(5):
        iam.tag_user(UserName=name, Tags=[{"Key": f"k{tag}", "Value": "v"}])
    attributes = [{"AttributeKey": "ResourceName", "AttributeValue": name}]
    pages: list[list[dict[str, Any]]] = []
    tokens: list[str] = []
    token = None
    while True:
        extra: dict[str, str] = {"NextToken": token} if token else {}
        page = cloudtrail.lookup_events(LookupAttributes=attributes, MaxResults=2, **extra)
        pages.append(page["Events"])
        token = page.get("NextToken")
        if token is None:
            break
        tokens.append(token)
    assert [len(page) for page in pages] == [2, 2, 2]
    events = [event for page in pages for event in page]
    assert [e["EventName"] for e in events] == ["TagUser"] * 5 + ["CreateUser"]
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    assert len({e["EventId"] for e in events}) == 6
    # a token is bound to its query: other attributes, or an edited token, are refused
    first_token = tokens[0]
    flipped = "B" if first_token[20] == "A" else "A"
    edited = first_token[:20] + flipped + first_token[21:]
    other = [{"AttributeKey": "EventName", "AttributeValue": "TagUser"}]
    refusals: list[Callable[[], Any]] = [
        lambda: cloudtrail.lookup_events(LookupAttributes=other, NextToken=first_token),
        lambda: cloudtrail.lookup_events(LookupAttributes=attributes, NextToken=edited),
        lambda: cloudtrail.lookup_events(NextToken="not-a-token"),
    ]
    for refused in refusals:
        with pytest.raises(ClientError) as caught:
            refused()
        assert error_of(caught)[:2] == ("InvalidNextTokenException", 400)


def test_time_range(node: InProcessNode, iam: Any, cloudtrail: Any, unique: Any) -> None:
    name = unique("timed")
    iam.create_user(UserName=name)
    now = datetime.now(UTC)
    attributes = [{"AttributeKey": "ResourceName", "AttributeValue": name}]
    inside = cloudtrail.lookup_events(
        LookupAttributes=attributes, StartTime=now - timedelta(minutes=5), EndTime=now
    )
    assert [e["EventName"] for e in inside["Events"]] == ["CreateUser"]
    before = cloudtrail.lookup_events(
        LookupAttributes=attributes, EndTime=now - timedelta(minutes=5)
    )
    assert before["Events"] == []
    with pytest.raises(ClientError) as caught:
        cloudtrail.lookup_events(StartTime=now, EndTime=now - timedelta(hours=1))
    assert error_of(caught) == (
        "InvalidTimeRangeException",
        400,
        "Start time must be before end time.",
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "GetRole"},
                    {"AttributeKey": "Username", "AttributeValue": "root"},
                ]
            },
            (
                "InvalidLookupAttributesException",
                400,
                "You can only specify one lookup attribute.",
            ),
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "yes"}]},
            ("InvalidLookupAttributesException", 400, "ReadOnly must be true or false."),
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "Color", "AttributeValue": "red"}]},
            (
                "ValidationException",
                400,
                "1 validation error detected: Value 'Color' at "
                "'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: Member "
                "must satisfy enum value set: [EventId, EventName, ReadOnly, Username, "
                "ResourceType, ResourceName, EventSource, AccessKeyId]",
            ),
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "EventName"}]},
            (
                "ValidationException",
                400,
                "1 validation error detected: Value null at "
                "'lookupAttributes.1.member.attributeValue' failed to satisfy constraint: "
                "Member must not be null",
            ),
        ),
        (
            {"MaxResults": 51},
            (
                "ValidationException",
                400,
                "1 validation error detected: Value '51' at 'maxResults' failed to satisfy "
                "constraint: Member must have value less than or equal to 50",
            ),
        ),
        (
            {"MaxResults": 0},
            (
                "ValidationException",
                400,
                "1 validation error detected: Value '0' at 'maxResults' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1",
            ),
        ),
        (
            {"EventCategory": "data"},
            (
                "ValidationException",
                400,
                "1 validation error detected: Value 'data' at 'eventCategory' failed to satisfy "
                "constraint: Member must satisfy enum value set: [insight]",
            ),
        ),
    ],
)
def test_bad_input_gets_cloudtrails_errors(
    cloudtrail: Any, kwargs: dict[str, Any], expected: tuple[str, int, str]
) -> None:
    with pytest.raises(ClientError) as caught:
        cloudtrail.lookup_events(**kwargs)
    assert error_of(caught) == expected


def test_bodies_that_are_not_the_shape_are_serialization_errors(node: InProcessNode) -> None:
    for body in (b"[1]", b"{not json", b'{"MaxResults": "ten"}', b'{"StartTime": true}'):
        request = AWSRequest(
            method="POST",
            url="http://127.0.0.1:9/",
            data=body,
            headers={
                "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
                "LookupEvents",
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        SigV4Auth(Credentials(ROOT_KEY_ID, ROOT_SECRET), "cloudtrail", "us-east-1").add_auth(
            request
        )
        headers = [(k, v) for k, v in request.headers.items()] + [("host", "127.0.0.1:9")]
        status, answer_headers, answer = node.request("POST", "/", headers, body)
        assert status == 400, body
        assert json.loads(answer)["__type"] == "SerializationException"
        assert answer_headers["content-type"] == "application/x-amz-json-1.1"


def test_insight_events_are_none(cloudtrail: Any) -> None:
    assert cloudtrail.lookup_events(EventCategory="insight")["Events"] == []


def test_looking_needs_cloudtrail_lookup_events_and_sees_one_account(
    node: InProcessNode, iam: Any, unique: Any
) -> None:
    home = new_account(node)
    nobody = home.user()
    with pytest.raises(ClientError) as caught:
        nobody.client("cloudtrail").lookup_events()
    assert error_of(caught) == (
        "AccessDeniedException",
        400,
        f"User: {nobody.arn} is not authorized to perform: cloudtrail:LookupEvents because no "
        "identity-based policy allows the cloudtrail:LookupEvents action",
    )
    auditor = home.user(document(allow("cloudtrail:LookupEvents")))
    name = unique("elsewhere")
    iam.create_user(UserName=name)  # in the default account
    seen = lookup(auditor.client("cloudtrail"))
    assert seen and {e["record"]["recipientAccountId"] for e in seen} == {home.account_id}
    assert by_attribute(auditor.client("cloudtrail"), "ResourceName", name) == []


def test_unsigned_lookups_are_refused_in_json(node: InProcessNode) -> None:
    headers = [
        ("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"),
        ("Content-Type", "application/x-amz-json-1.1"),
    ]
    status, _, body = node.request("POST", "/", headers, b"{}")
    assert (status, json.loads(body)) == (
        403,
        {
            "__type": "MissingAuthenticationTokenException",
            "message": "Missing Authentication Token",
        },
    )
    headers[0] = ("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.Nope")
    status, _, body = node.request("POST", "/", headers, b"{}")
    assert status == 400 and json.loads(body)["__type"] == "UnknownOperationException"


def test_lookups_are_recorded_as_read_only_cloudtrail_events(
    node: InProcessNode, cloudtrail: Any
) -> None:
    start = datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)
    answer = cloudtrail.lookup_events(StartTime=start, MaxResults=1)
    refused = node.client("cloudtrail")
    with pytest.raises(ClientError) as caught:
        refused.lookup_events(StartTime=start, EndTime=start - timedelta(hours=1))
    flush(node)
    rid = answer["ResponseMetadata"]["RequestId"]
    failed_rid = caught.value.response["ResponseMetadata"]["RequestId"]
    events = {
        e["record"]["requestID"]: e for e in by_attribute(cloudtrail, "EventName", "LookupEvents")
    }
    record = events[rid]["record"]
    assert events[rid]["EventSource"] == "cloudtrail.amazonaws.com"
    assert events[rid]["ReadOnly"] == "true" and events[rid]["Username"] == "root"
    assert record["eventName"] == "LookupEvents" and record["readOnly"] is True
    assert record["requestParameters"] == {"startTime": "Jan 2, 2026, 3:04:05 PM", "maxResults": 1}
    assert record["responseElements"] is None and "errorCode" not in record
    assert record["recipientAccountId"] == ACCOUNT_ID
    assert record["userIdentity"]["accessKeyId"] == ROOT_KEY_ID
    failed = events[failed_rid]["record"]
    assert failed["errorCode"] == "InvalidTimeRangeException"
    assert failed["errorMessage"] == error_of(caught)[2]


def test_retention_prunes_older_events(node: InProcessNode, cloudtrail: Any) -> None:
    audit = node.audit
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    events = [
        AuditEvent(
            event_id=event_id,
            account_id=ACCOUNT_ID,
            event_time=when,
            event_name="ListRoles",
            event_source="iam.amazonaws.com",
            username="root",
            access_key_id=ROOT_KEY_ID,
            read_only=True,
            resources=(("AWS::IAM::Role", event_id),),
            record="{}",
        )
        for event_id, when in ((old, now - timedelta(days=91)), (recent, now - timedelta(days=89)))
    ]
    with node.app.runtime.store.transaction() as tx:
        tx.audit_events.insert(events)
    assert audit.retention_days == 90
    assert audit.prune() >= 1
    assert by_attribute(cloudtrail, "EventId", old) == []
    assert [e["EventId"] for e in by_attribute(cloudtrail, "EventId", recent)] == [recent]
    assert by_attribute(cloudtrail, "ResourceName", old) == []
