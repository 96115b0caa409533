"""The services CreateServiceLinkedRole knows, as data
(https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html).

The built-in catalogue is ``service_linked_roles.json`` next to this module. Operators add
services, or replace built-in ones, with a file of the same shape (JSON or YAML) named by the
``ROLEGATE_SERVICE_CATALOG`` environment variable (``rolegate serve --service-catalog``), the file
that also declares the operator's own services (:mod:`rolegate.catalog.operator_services`).
The file is read again whenever it changes, so an operator can declare while the server runs
that a service still uses its role (``in_use``), which makes DeleteServiceLinkedRole fail the
way AWS reports it::

    {"services": {"myservice.example.com": {
        "role_name": "AWSServiceRoleForMyService",
        "policy_arns": ["arn:aws:iam::aws:policy/aws-service-role/MyServicePolicy"],
        "custom_suffix_allowed": true,
        "description": "Lets MyService manage resources for you.",
        "in_use": [{"Region": "us-east-1", "Resources": ["arn:aws:myservice:us-east-1:..."]}]
    }}}
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from rolegate.catalog.operator_services import (
    CATALOG_ENV,
    ServiceCatalogError,
    read_catalogue_file,
    service_entries,
)
from rolegate.domain.instance_profile import RoleUsage


@dataclass(frozen=True, slots=True)
class LinkedService:
    service_name: str  # the service principal, e.g. autoscaling.amazonaws.com
    role_name: str  # AWSServiceRoleFor…; a custom suffix is appended after "_"
    policy_arns: tuple[str, ...]
    custom_suffix_allowed: bool
    description: str | None = None
    in_use: tuple[RoleUsage, ...] = field(default=())


def service_catalog(env: Mapping[str, str] | None = None) -> dict[str, LinkedService]:
    """The built-in services overlaid with the operator's file, if ``ROLEGATE_SERVICE_CATALOG``
    names one. Raises ValueError for a file that is not a catalogue."""
    env = os.environ if env is None else env
    catalog = dict(_builtin())
    extra = env.get(CATALOG_ENV)
    if extra:
        try:
            stat = Path(extra).stat()
        except OSError as exc:
            raise ValueError(f"{CATALOG_ENV}={extra}: {exc}") from exc
        catalog.update(_from_file(extra, stat.st_mtime_ns, stat.st_size))
    return catalog


@functools.cache
def _builtin_data() -> Any:
    text = resources.files("rolegate.catalog").joinpath("service_linked_roles.json")
    return json.loads(text.read_text(encoding="utf-8"))


@functools.cache
def _builtin() -> dict[str, LinkedService]:
    return parse_catalog(_builtin_data(), "built-in catalogue")


# Why an AWS managed service-role policy has no catalogue entry (``not_creatable``).
NOT_CREATABLE_CATEGORIES = frozenset(
    {
        "retired",  # the service is retired
        "preview",  # a preview or beta variant of a service's policy
        "second-role",  # a second role of a principal the catalogue already has
        "contradictory",  # AWS's pages disagree, or name no usable role
        "undocumented",  # no AWS page names both the role and its principal
    }
)


@dataclass(frozen=True, slots=True)
class NotCreatable:
    """An AWS managed policy under /aws-service-role/ that no catalogued service attaches, on
    purpose: scripts/check_service_linked_roles.py reports it as explained."""

    policy_arn: str
    category: str  # one of NOT_CREATABLE_CATEGORIES
    reason: str  # one line
    url: str | None = None  # the AWS page consulted


def not_creatable() -> dict[str, NotCreatable]:
    """The built-in catalogue's ``not_creatable`` section, by policy ARN. CreateServiceLinkedRole
    does not use it; operators' files have none."""
    return parse_not_creatable(_builtin_data(), "built-in catalogue")


def parse_not_creatable(data: Any, origin: str) -> dict[str, NotCreatable]:
    section = data.get("not_creatable", {}) if isinstance(data, dict) else {}
    if not isinstance(section, dict):
        raise ValueError(f"{origin}: 'not_creatable' must be an object of policy ARNs")
    return {arn: _not_creatable(arn, entry, origin) for arn, entry in section.items()}


def _not_creatable(arn: str, entry: Any, origin: str) -> NotCreatable:
    where = f"{origin}: not_creatable {arn!r}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object")
    category, reason, url = entry.get("category"), entry.get("reason"), entry.get("url")
    if category not in NOT_CREATABLE_CATEGORIES:
        raise ValueError(f"{where}: 'category' must be one of {sorted(NOT_CREATABLE_CATEGORIES)}")
    if not isinstance(reason, str) or not reason or "\n" in reason:
        raise ValueError(f"{where}: 'reason' must be a one-line string")
    if url is not None and not (isinstance(url, str) and url.startswith("https://")):
        raise ValueError(f"{where}: 'url' must be an https URL")
    return NotCreatable(arn, category, reason, url)


@functools.lru_cache(maxsize=4)
def _from_file(path: str, _mtime_ns: int, _size: int) -> dict[str, LinkedService]:
    """Parsed once per version of the file (its modification time and size are in the key).
    The file may be YAML, and may declare only the operator's services for authorization
    (:mod:`rolegate.catalog.operator_services`): then it adds no service-linked role."""
    try:
        data, _lines = read_catalogue_file(path)
    except ServiceCatalogError as exc:
        raise ValueError(f"{CATALOG_ENV}={path}: {exc.problem}") from exc
    if service_entries(data) is not None and not (isinstance(data, dict) and "services" in data):
        return {}
    return parse_catalog(data, path)


def parse_catalog(data: Any, origin: str) -> dict[str, LinkedService]:
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise ValueError(f"{origin}: expected an object with a 'services' object")
    return {name: _service(name, entry, origin) for name, entry in services.items()}


def _service(name: str, entry: Any, origin: str) -> LinkedService:
    where = f"{origin}: service {name!r}"
    if not isinstance(entry, dict) or not isinstance(entry.get("role_name"), str):
        raise ValueError(f"{where}: needs a string 'role_name'")
    if not entry["role_name"].startswith("AWSServiceRoleFor"):
        raise ValueError(f"{where}: 'role_name' must start with AWSServiceRoleFor")
    policies = entry.get("policy_arns", [])
    if not isinstance(policies, list) or not all(isinstance(p, str) for p in policies):
        raise ValueError(f"{where}: 'policy_arns' must be a list of ARNs")
    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        raise ValueError(f"{where}: 'description' must be a string")
    return LinkedService(
        service_name=name,
        role_name=entry["role_name"],
        policy_arns=tuple(policies),
        custom_suffix_allowed=bool(entry.get("custom_suffix_allowed", False)),
        description=description,
        in_use=tuple(_usage(u, where) for u in entry.get("in_use", [])),
    )


def _usage(raw: Any, where: str) -> RoleUsage:
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("Region"), str)
        or not isinstance(raw.get("Resources", []), list)
    ):
        raise ValueError(f"{where}: 'in_use' entries are {{'Region': str, 'Resources': [ARN]}}")
    return RoleUsage(raw["Region"], tuple(str(r) for r in raw.get("Resources", [])))
