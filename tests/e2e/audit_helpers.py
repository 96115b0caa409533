"""Reading the audit trail in the end-to-end tests: every page of LookupEvents, with the
CloudTrail record of each event parsed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from harness import Node


def flush(node: Node) -> None:
    """Store what the node's outbox holds (in-process nodes; a process flushes every second)."""
    flush_audit = getattr(node, "flush_audit", None)
    if flush_audit is not None:
        flush_audit()


def lookup(cloudtrail: Any, **kw: Any) -> list[dict[str, Any]]:
    """Every event LookupEvents finds (all pages), each with its record under ``"record"``."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = cloudtrail.lookup_events(**kw, **({"NextToken": token} if token else {}))
        for event in page["Events"]:
            found.append({**event, "record": json.loads(event["CloudTrailEvent"])})
        token = page.get("NextToken")
        if not token:
            return found


def by_attribute(cloudtrail: Any, key: str, value: str) -> list[dict[str, Any]]:
    return lookup(cloudtrail, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])


def eventually(find: Callable[[], list[dict[str, Any]]], count: int = 1) -> list[dict[str, Any]]:
    """``find()`` once it finds ``count`` events (a server's outbox flushes every second)."""
    deadline = time.monotonic() + 15
    while True:
        found = find()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
