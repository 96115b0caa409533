"""The report of one GenerateServiceLastAccessedDetails job, built from what rolegate recorded
(``services.authz.last_used.ServiceUseRecorder``): for each service the entity's permissions
policies grant, when one of the principals it covers was last allowed to use it, by whom, where,
and how many of them did; at ACTION_LEVEL also each action used. A user or role covers itself, a
group its members, a managed policy every user and role it is attached to (directly or through a
group).

The report is kept as JSON with the job, with each principal's last use of each service for
GetServiceLastAccessedDetailsWithEntities.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rolegate.domain.last_accessed import ServiceUse
from rolegate.services.iam.access_advisor.grants import (
    every_namespace,
    granted,
    named_namespaces,
    service_name,
)


@dataclass(frozen=True, slots=True)
class Principal:
    """A user or role the report covers (the ``EntityInfo`` shape)."""

    arn: str
    name: str
    kind: str  # USER | ROLE
    unique_id: str
    path: str

    def to_wire(self) -> dict[str, str]:
        return {
            "Arn": self.arn,
            "Name": self.name,
            "Type": self.kind,
            "Id": self.unique_id,
            "Path": self.path,
        }


def build_report(
    documents: Sequence[str],
    principals: Sequence[Principal],
    uses: Iterable[ServiceUse],
    *,
    action_level: bool,
) -> str:
    """The report as JSON: ``services`` in the ``ServiceLastAccessed`` shape (dates as ISO
    text), ``entities`` with each principal's last use per namespace."""
    by_namespace: dict[str, list[ServiceUse]] = {}
    for use in uses:
        by_namespace.setdefault(use.service_namespace, []).append(use)
    universe = every_namespace(set(by_namespace) | named_namespaces(documents))
    services = [
        _service(ns, by_namespace.get(ns, []), action_level) for ns in granted(documents, universe)
    ]
    services.sort(key=lambda s: (s["ServiceName"].lower(), s["ServiceNamespace"]))
    last_by_principal: dict[str, dict[str, str]] = {}
    for use in (u for group in by_namespace.values() for u in group):
        if use.action_name == "":
            last_by_principal.setdefault(use.principal_id, {})[use.service_namespace] = (
                use.last_authenticated.isoformat()
            )
    entities = [
        {"info": p.to_wire(), "last": last_by_principal.get(p.unique_id, {})} for p in principals
    ]
    return json.dumps({"services": services, "entities": entities}, separators=(",", ":"))


def _service(namespace: str, own: list[ServiceUse], action_level: bool) -> dict[str, Any]:
    whole = [u for u in own if u.action_name == ""]
    out: dict[str, Any] = {"ServiceName": service_name(namespace), "ServiceNamespace": namespace}
    if whole:
        last = max(whole, key=lambda u: u.last_authenticated)
        out["LastAuthenticated"] = last.last_authenticated.isoformat()
        out["LastAuthenticatedEntity"] = last.principal_arn
        out["LastAuthenticatedRegion"] = last.region
    out["TotalAuthenticatedEntities"] = len({u.principal_id for u in whole})
    if action_level:
        latest: dict[str, ServiceUse] = {}
        for use in own:
            if use.action_name and (
                use.action_name not in latest
                or use.last_authenticated > latest[use.action_name].last_authenticated
            ):
                latest[use.action_name] = use
        out["TrackedActionsLastAccessed"] = [
            {
                "ActionName": name,
                "LastAccessedEntity": use.principal_arn,
                "LastAccessedTime": use.last_authenticated.isoformat(),
                "LastAccessedRegion": use.region,
            }
            for name, use in sorted(latest.items())
        ]
    return out


_DATES = ("LastAuthenticated", "LastAccessedTime")


def services_from(report_json: str) -> list[dict[str, Any]]:
    """The report's ``ServicesLastAccessed``, dates as datetimes again."""
    services: list[dict[str, Any]] = json.loads(report_json)["services"]
    for service in services:
        _dates(service)
        for tracked in service.get("TrackedActionsLastAccessed", ()):
            _dates(tracked)
    return services


def entities_from(report_json: str, namespace: str) -> list[dict[str, Any]]:
    """``EntityDetailsList`` for one namespace: every principal the report covers, with its last
    use of the service if it had one."""
    out = []
    for entity in json.loads(report_json)["entities"]:
        detail: dict[str, Any] = {"EntityInfo": entity["info"]}
        when = entity["last"].get(namespace.lower())
        if when is not None:
            detail["LastAuthenticated"] = datetime.fromisoformat(when)
        out.append(detail)
    return out


def _dates(item: dict[str, Any]) -> None:
    for key in _DATES:
        if key in item:
            item[key] = datetime.fromisoformat(item[key])
