"""The audit package without a server: redaction against the models' ``sensitive`` members,
each rule with canary values, the record's shape, and the outbox's batching and retries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.model import ListShape, Shape, StructureShape

from rolegate.audit import HIDDEN, RULES, ApiCall, JsonLines, Outbox, build_event, cloudtrail_date
from rolegate.audit.identity import iso_time
from rolegate.audit.record import CREDENTIAL_ISSUERS, encode
from rolegate.domain.audit_event import AuditEvent
from rolegate.domain.ids import event_id
from rolegate.wire import service_model

WHEN = datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)


def _sensitive(shape: Shape, path: tuple[str, ...], seen: frozenset[str]) -> list[str]:
    """Dotted paths of the members the model marks sensitive."""
    if shape.metadata.get("sensitive"):
        return [".".join(path)]
    if isinstance(shape, StructureShape) and shape.name not in seen:
        return [
            found
            for name, member in shape.members.items()
            for found in _sensitive(member, (*path, name), seen | {shape.name})
        ]
    if isinstance(shape, ListShape):
        return _sensitive(shape.member, path, seen)
    return []


def _model_secrets() -> list[tuple[str, str, str, str]]:
    found = []
    for service in ("iam", "sts"):
        model = service_model(service)
        for operation in model.operation_names:
            op = model.operation_model(operation)
            for side, shape in (("request", op.input_shape), ("response", op.output_shape)):
                if shape is not None:
                    found += [
                        (service, operation, side, p) for p in _sensitive(shape, (), frozenset())
                    ]
    return found


@pytest.mark.parametrize(("service", "operation", "side", "path"), _model_secrets())
def test_every_member_the_models_mark_sensitive_is_redacted(
    service: str, operation: str, side: str, path: str
) -> None:
    rule = RULES[(service, operation)]
    covered = rule.hide_request if side == "request" else False
    covered = covered or path in (rule.request if side == "request" else rule.response)
    assert covered, f"{service}:{operation} {side} {path}"


def _nest(path: str, value: str) -> dict[str, Any]:
    """``{"A": {"B": value}}`` for ``A.B``; lists where the models have them (MFA devices)."""
    head, _, rest = path.partition(".")
    inner: Any = _nest(rest, value) if rest else value
    if head == "VirtualMFADevices":
        inner = [inner]
    return {head: inner, f"Kept{head}": "visible"}


def _rule_cases() -> list[tuple[str, str, str, str]]:
    return [
        (service, operation, side, path)
        for (service, operation), rule in RULES.items()
        for side, paths in (("request", rule.request), ("response", rule.response))
        for path in paths
    ]


@pytest.mark.parametrize(("service", "operation", "side", "path"), _rule_cases())
def test_each_rule_keeps_its_canary_out_of_the_record(
    service: str, operation: str, side: str, path: str
) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    values = _nest(path, canary)
    event = build_event(
        _call(
            service,
            operation,
            read_only=service == "sts",
            request=values if side == "request" else {"Other": "x"},
            response=values if side == "response" else {"Other": "x"},
        )
    )
    assert canary not in event.record
    record = json.loads(event.record)
    shown = record["requestParameters" if side == "request" else "responseElements"]
    if side == "request" or not record["readOnly"] or operation in CREDENTIAL_ISSUERS:
        head = path.split(".")[0]
        assert shown[f"kept{head}"] == "visible"


def test_a_request_of_secrets_only_is_hidden_as_a_whole() -> None:
    record = json.loads(
        build_event(
            _call("iam", "ChangePassword", request={"OldPassword": "a1", "NewPassword": "b2"})
        ).record
    )
    assert record["requestParameters"] == HIDDEN


def test_the_record_has_cloudtrails_fields_in_its_order() -> None:
    event = build_event(
        _call(
            "iam",
            "CreateRole",
            request={"RoleName": "r", "Tags": [{"Key": "k", "Value": "v"}]},
            response={"Role": {"RoleName": "r", "CreateDate": WHEN}},
            shared_event_id="s",
        )
    )
    record = json.loads(event.record)
    assert list(record) == [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "resources",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "sharedEventID",
        "eventCategory",
    ]
    assert record["requestParameters"] == {"roleName": "r", "tags": [{"key": "k", "value": "v"}]}
    assert record["responseElements"]["role"]["createDate"] == "Jan 2, 2026, 3:04:05 PM"
    assert record["eventTime"] == "2026-01-02T15:04:05Z"
    assert record["resources"] == [
        {"accountId": "111122223333", "type": "AWS::IAM::Role", "name": "r"}
    ]
    assert event.resources == (("AWS::IAM::Role", "r"),)


def test_reads_record_no_response_but_credential_issuers_do() -> None:
    read = json.loads(
        build_event(_call("iam", "GetRole", read_only=True, response={"R": 1})).record
    )
    assert read["responseElements"] is None
    issued = build_event(
        _call(
            "sts",
            "GetSessionToken",
            read_only=True,
            response={
                "Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t"}
            },
        )
    )
    assert json.loads(issued.record)["responseElements"] == {
        "credentials": {"accessKeyId": "ASIAX"}
    }


def test_a_huge_field_is_omitted_as_cloudtrail_truncates() -> None:
    record = json.loads(
        build_event(_call("iam", "PutRolePolicy", request={"PolicyDocument": "x" * 200_000})).record
    )
    assert record["requestParameters"] is None and record["omitted"] is True


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 1, 2, 0, 5, 6, tzinfo=UTC), "Jan 2, 2026, 12:05:06 AM"),
        (datetime(2026, 12, 31, 12, 0, 0, tzinfo=UTC), "Dec 31, 2026, 12:00:00 PM"),
        (datetime(2026, 7, 4, 23, 59, 59, tzinfo=UTC), "Jul 4, 2026, 11:59:59 PM"),
    ],
)
def test_dates_inside_elements(moment: datetime, shown: str) -> None:
    assert cloudtrail_date(moment) == shown


class _Store:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.failures = 0

    def __call__(self, events: Sequence[AuditEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database away")
        self.batches.append([e.event_id for e in events])


def test_the_outbox_stores_then_streams_in_order_and_retries(tmp_path: Path) -> None:
    store = _Store()
    stream = tmp_path / "out.jsonl"
    outbox = Outbox(store, JsonLines(str(stream)))
    events = [build_event(_call("iam", "GetRole", read_only=True)) for _ in range(3)]
    outbox.put(events[0])
    outbox.stored(events[1])  # committed with its change: streamed, not stored again
    outbox.put(events[2])
    store.failures = 1
    assert outbox.flush() is False and outbox.backlog == 3
    assert store.batches == [] and stream.read_text() == ""  # nothing streamed before stored
    assert outbox.flush() is True and outbox.backlog == 0
    assert store.batches == [[events[0].event_id, events[2].event_id]]
    lines = stream.read_text().splitlines()
    assert [json.loads(line)["eventID"] for line in lines] == [e.event_id for e in events]
    outbox.close()


def test_the_outbox_is_bounded_and_counts_what_it_drops() -> None:
    outbox = Outbox(_Store(), max_backlog=600)
    event = build_event(_call("iam", "GetRole", read_only=True))
    for _ in range(1000):
        outbox.put(event)
    assert outbox.backlog <= 600 and outbox.dropped >= 400


def test_the_writer_thread_flushes_by_itself_and_at_close() -> None:
    store = _Store()
    outbox = Outbox(store, interval=0.05)
    outbox.start()
    outbox.put(build_event(_call("iam", "GetRole", read_only=True)))
    outbox.close()
    assert sum(len(batch) for batch in store.batches) == 1


def _call(
    service: str,
    operation: str,
    *,
    read_only: bool = False,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    shared_event_id: str | None = None,
) -> ApiCall:
    return ApiCall(
        service=service,
        operation=operation,
        time=WHEN,
        region="us-east-1",
        request_id=str(uuid.uuid4()),
        event_id=str(uuid.uuid4()),
        identity={"type": "Root", "principalId": "111122223333", "accountId": "111122223333"},
        account_id="111122223333",
        read_only=read_only,
        request=request,
        response=response,
        shared_event_id=shared_event_id,
    )


def test_records_are_the_compact_json_of_the_standard_library() -> None:
    value = {
        "a": 'é \u2028 \x1f " \\ / 😀',
        "n": [1, -2, 3.5, True, None, {}],
        "big": 2**70,  # beyond orjson's 64 bits: the standard library's encoder
    }
    reference = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert encode(value) == reference
    del value["big"]
    assert encode(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_event_time_is_iso_to_the_second_across_seconds() -> None:
    first = datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC)
    assert iso_time(first) == "2026-01-02T03:04:05Z"
    assert iso_time(first.replace(microsecond=0)) == "2026-01-02T03:04:05Z"
    assert iso_time(datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC)) == "2026-01-02T03:04:06Z"
    assert iso_time(datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2027-01-02T03:04:05Z"


def test_event_ids_are_version_4_uuids() -> None:
    ids = [event_id() for _ in range(2000)]
    parsed = [uuid.UUID(text) for text in ids]
    assert all(p.version == 4 and p.variant == uuid.RFC_4122 for p in parsed)
    assert [str(p) for p in parsed] == ids and len(set(ids)) == len(ids)
