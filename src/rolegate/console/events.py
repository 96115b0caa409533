"""Event history (``/console/events``), as CloudTrail's console shows it: the account's audit
events newest first, filtered by one lookup attribute and a time range, paged with
``NextToken``, and one event's CloudTrail record (``/console/events/<EventId>``).

Every page is one CloudTrail ``LookupEvents`` call with the session's credentials (JSON
protocol, ``console.api``), so ``cloudtrail:LookupEvents`` applies and a principal without it
sees the explained AccessDenied
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events-console.html).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from rolegate.console.api import ApiClient, ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part
from rolegate.console.layout import error_box, notice, page, table
from rolegate.console.session import ConsoleSession

TITLE = "Event history"
PAGE_SIZE = 25
# CloudTrail's lookup attributes, as its console names them
ATTRIBUTES = {
    "EventName": "Event name",
    "Username": "User name",
    "ResourceName": "Resource name",
    "ResourceType": "Resource type",
    "AccessKeyId": "AWS access key",
    "EventSource": "Event source",
    "ReadOnly": "Read-only",
    "EventId": "Event ID",
}
_TIME_FORMAT = "%Y-%m-%dT%H:%M"  # an <input type="datetime-local">'s value, read as UTC


def history_link(key: str, value: str) -> str:
    """The history filtered by ``key`` = ``value`` (the role's and the user's Events link)."""
    return "/console/events?" + urlencode({"key": key, "value": value})


def _time(text: str) -> datetime | None:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC) if text else None


def _shown(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _record(event: dict[str, Any]) -> dict[str, Any]:
    try:
        record = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


class EventPages:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _lookup(self, session: ConsoleSession, params: dict[str, Any]) -> dict[str, Any]:
        return self.api.call(session.acting, "cloudtrail", "LookupEvents", params)

    def history(self, request: Request, session: ConsoleSession) -> Reply:
        key = request.arg("key") if request.arg("key") in ATTRIBUTES else "EventName"
        value = request.arg("value").strip()
        form = _filter_form(key, value, request.arg("start"), request.arg("end"))
        params: dict[str, Any] = {"MaxResults": PAGE_SIZE}
        if value:
            params["LookupAttributes"] = [{"AttributeKey": key, "AttributeValue": value}]
        try:
            start, end = _time(request.arg("start")), _time(request.arg("end"))
        except ValueError:
            body = el("div", {}, form, notice("Times are given as YYYY-MM-DDTHH:MM (UTC)."))
            return Reply(400, page(TITLE, body, session))
        if start is not None:
            params["StartTime"] = start
        if end is not None:
            params["EndTime"] = end
        if request.arg("token"):
            params["NextToken"] = request.arg("token")
        try:
            answer = self._lookup(session, params)
        except ApiError as error:
            status = 403 if "AccessDenied" in error.code else 400
            return Reply(status, page(TITLE, el("div", {}, form, error_box(error)), session))
        more = None
        if answer.get("NextToken"):
            link = "/console/events?" + urlencode(
                {
                    "key": key,
                    "value": value,
                    "start": request.arg("start"),
                    "end": request.arg("end"),
                    "token": answer["NextToken"],
                }
            )
            more = el("p", {}, el("a", {"href": link, "id": "next-page"}, "Next page"))
        events = answer.get("Events", [])
        body = el(
            "div",
            {},
            form,
            _events_table(events) if events else el("p", {"role": "status"}, "No events."),
            more,
        )
        return Reply(200, page(TITLE, body, session))

    def event(self, request: Request, session: ConsoleSession, event_id: str) -> Reply:
        title = f"Event {event_id}"
        attribute = {"AttributeKey": "EventId", "AttributeValue": event_id}
        try:
            events = self._lookup(session, {"LookupAttributes": [attribute]}).get("Events", [])
        except ApiError as error:
            return Reply(
                403 if "AccessDenied" in error.code else 400, page(title, error_box(error), session)
            )
        if not events:
            return Reply(404, page(title, notice("No event has this ID."), session))
        event = events[0]
        summary = table(
            [
                "Event time",
                "Event name",
                "User name",
                "Event source",
                "AWS access key",
                "Read-only",
            ],
            [
                [
                    _shown(event["EventTime"]),
                    event.get("EventName", ""),
                    event.get("Username", ""),
                    event.get("EventSource", ""),
                    event.get("AccessKeyId", ""),
                    event.get("ReadOnly", ""),
                ]
            ],
            "Summary",
        )
        body = el(
            "div",
            {},
            summary,
            el("h2", {"id": "h-record"}, "Event record"),
            el(
                "pre",
                {"id": "event-record", "aria-labelledby": "h-record", "tabindex": "0"},
                json.dumps(_record(event), indent=2, sort_keys=True),
            ),
            el("p", {}, el("a", {"href": "/console/events"}, "Back to Event history")),
        )
        return Reply(200, page(title, body, session))


def _filter_form(key: str, value: str, start: str, end: str) -> Markup:
    return el(
        "form",
        {"method": "get", "action": "/console/events", "role": "search", "class": "filters"},
        el("label", {"for": "key"}, "Lookup attribute"),
        el(
            "select",
            {"id": "key", "name": "key"},
            [el("option", {"value": k, "selected": k == key}, t) for k, t in ATTRIBUTES.items()],
        ),
        el("label", {"for": "value"}, "Value"),
        el("input", {"id": "value", "name": "value", "type": "search", "value": value}),
        el("label", {"for": "start"}, "From (UTC)"),
        el("input", {"id": "start", "name": "start", "type": "datetime-local", "value": start}),
        el("label", {"for": "end"}, "To (UTC)"),
        el("input", {"id": "end", "name": "end", "type": "datetime-local", "value": end}),
        el("button", {"type": "submit"}, "Filter"),
    )


def _events_table(events: list[dict[str, Any]]) -> Markup:
    rows: list[list[object]] = []
    for event in events:
        record = _record(event)
        resources = ", ".join(r.get("ResourceName", "") for r in event.get("Resources", []))
        link = f"/console/events/{path_part(event['EventId'])}"
        rows.append(
            [
                el("a", {"href": link}, _shown(event["EventTime"])),
                event.get("EventName", ""),
                event.get("Username", ""),
                event.get("EventSource", ""),
                resources or "-",
                str(record.get("errorCode", "")) or "-",
            ]
        )
    headers = ["Event time", "Event name", "User name", "Event source", "Resources", "Error code"]
    return table(headers, rows, "Events")
