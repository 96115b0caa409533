"""The operator's own services, declared the way AWS documents its own: the service catalogue file
(``rolegate serve --service-catalog FILE``, or ``ROLEGATE_SERVICE_CATALOG``), YAML or JSON.

Each service has the shape of AWS's machine-readable Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/service-reference.html):
``Name`` (the service prefix), ``Actions`` (``Name``, ``ActionConditionKeys``, ``Resources``),
``Resources`` (``Name``, ``ARNFormats``, optional ``ConditionKeys``) and ``ConditionKeys``
(``Name``, ``Types``). The file holds one service object, a list of them, or a mapping whose
``service_reference`` is that list; the same file may also hold the service-linked role
catalogue under ``services`` (:mod:`rolegate.catalog.service_linked_roles`).

A file that is not well formed is refused with its line (:class:`ServiceCatalogError`).
:func:`operator_services` reads the file named by the environment again whenever its
modification time or size changes (one ``stat`` per call); a change that breaks the file is
logged and the last good version kept.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import yaml

from rolegate.catalog.service_reference import (
    ActionResource,
    ActionSpec,
    ResourceType,
    ServiceReference,
    ServiceSpec,
    aws_service_prefixes,
    is_global_key,
)

CATALOG_ENV = "ROLEGATE_SERVICE_CATALOG"
log = logging.getLogger("rolegate.catalog")

_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_ACTION = re.compile(r"[A-Za-z0-9]{1,128}")
_RESOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
KEY_TYPES = frozenset(
    {
        "String",
        "ARN",
        "Numeric",
        "Bool",
        "Date",
        "IPAddress",
        "Binary",
        "ArrayOfString",
        "ArrayOfARN",
        "ArrayOfNumeric",
        "ArrayOfBool",
        "ArrayOfDate",
        "ArrayOfIPAddress",
        "ArrayOfBinary",
    }
)


class ServiceCatalogError(ValueError):
    """A catalogue file that is not one; ``str()`` is ``PATH:LINE: what is wrong``."""

    def __init__(self, origin: str, line: int | None, problem: str) -> None:
        where = f"{origin}:{line}" if line is not None else origin
        super().__init__(f"{where}: {problem}")
        self.origin = origin
        self.line = line
        self.problem = problem


# --- reading, with lines ------------------------------------------------------------------------
class _Lines(dict[int, int]):
    """id(mapping or list) -> 1-based line where it starts."""


class _LineLoader(yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader that remembers the line of every mapping and sequence."""

    lines: _Lines

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=True)
        self.lines[id(mapping)] = node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        sequence: list[Any] = super().construct_sequence(node, deep=True)
        self.lines[id(sequence)] = node.start_mark.line + 1
        return sequence


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _LineLoader.construct_mapping,
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _LineLoader.construct_sequence,
)


def read_catalogue_text(text: str, origin: str, *, is_json: bool) -> tuple[Any, _Lines]:
    """The document in ``text`` (JSON when ``is_json``, else YAML) and the lines of its parts."""
    if is_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise ServiceCatalogError(origin, exc.lineno, f"not JSON: {exc.msg}") from None
    loader = _LineLoader(text)
    loader.lines = _Lines()
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ServiceCatalogError(origin, line, f"not YAML: {problem}") from None
    finally:
        loader.dispose()
    return data, loader.lines


def read_catalogue_file(path: str | Path) -> tuple[Any, _Lines]:
    """Read ``path``: JSON when it ends in ``.json``, YAML otherwise."""
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceCatalogError(origin, None, f"cannot read: {exc}") from None
    return read_catalogue_text(text, origin, is_json=origin.lower().endswith(".json"))


# --- the services -------------------------------------------------------------------------------
def service_entries(data: Any) -> list[Any] | None:
    """The service objects of a catalogue document, None when it declares none."""
    if isinstance(data, list):
        return data  # the list itself: its line is known by its id
    if isinstance(data, dict):
        if "Name" in data and "Actions" in data:
            return [data]
        entries = data.get("service_reference")
        if isinstance(entries, list):
            return entries
        if entries is not None:
            return [entries]
    return None


def parse_services(data: Any, lines: Mapping[int, int], origin: str) -> dict[str, ServiceSpec]:
    """The services a catalogue document declares, by lower-cased prefix."""
    entries = service_entries(data)
    if entries is None:
        return {}
    reader = _Reader(origin, lines)
    found: dict[str, ServiceSpec] = {}
    for entry in entries:
        spec = reader.service(entry, entries)
        if spec.prefix in found:
            reader.fail(entry, f"service {spec.prefix!r} is declared twice")
        found[spec.prefix] = spec
    return found


def load_services(path: str | Path) -> dict[str, ServiceSpec]:
    data, lines = read_catalogue_file(path)
    if service_entries(data) is None and not (isinstance(data, dict) and "services" in data):
        raise ServiceCatalogError(
            str(path),
            lines.get(id(data), 1),
            "expected a service (Name, Actions, Resources, ConditionKeys), a list of services, "
            "or a mapping with 'service_reference' (and/or 'services')",
        )
    return parse_services(data, lines, str(path))


class _Reader:
    """Checks one document's services, failing with the line of the part at fault."""

    def __init__(self, origin: str, lines: Mapping[int, int]) -> None:
        self.origin = origin
        self.lines = lines

    def fail(self, part: object, problem: str, parent: object = None) -> NoReturn:
        line = self.lines.get(id(part)) or self.lines.get(id(parent))
        raise ServiceCatalogError(self.origin, line, problem)

    def _mapping(self, part: object, what: str, parent: object) -> dict[str, Any]:
        if not isinstance(part, dict):
            self.fail(part, f"{what} must be a mapping", parent)
        return part

    def _list(self, owner: dict[str, Any], key: str, what: str) -> list[Any]:
        value = owner.get(key, [])
        if not isinstance(value, list):
            self.fail(value, f"{what}: {key!r} must be a list", owner)
        return value

    def _name(self, owner: dict[str, Any], pattern: re.Pattern[str], what: str) -> str:
        name = owner.get("Name")
        if not isinstance(name, str) or not pattern.fullmatch(name):
            self.fail(owner, f"{what} needs a 'Name' matching {pattern.pattern}")
        return name

    def _strings(self, owner: dict[str, Any], key: str, what: str) -> list[str]:
        values = self._list(owner, key, what)
        if not all(isinstance(value, str) for value in values):
            self.fail(values, f"{what}: {key!r} must be a list of strings", owner)
        return values

    def service(self, raw: object, parent: object) -> ServiceSpec:
        entry = self._mapping(raw, "a service", parent)
        prefix = self._name(entry, _PREFIX, "a service").lower()
        if prefix in aws_service_prefixes():
            self.fail(entry, f"service prefix {prefix!r} is an AWS service's")
        what = f"service {prefix!r}"
        keys = self._condition_keys(entry, prefix, what)
        resource_types = self._resources(entry, prefix, keys, what)
        actions: dict[str, ActionSpec] = {}
        for raw_action in self._list(entry, "Actions", what):
            action = self._action(raw_action, entry, prefix, keys, resource_types)
            if action.name.lower() in actions:
                self.fail(raw_action, f"{what}: action {action.name!r} is declared twice")
            actions[action.name.lower()] = action
        if not actions:
            self.fail(entry, f"{what} declares no Actions")
        return ServiceSpec(prefix, actions, resource_types, keys)

    def _condition_keys(self, entry: dict[str, Any], prefix: str, what: str) -> dict[str, str]:
        keys: dict[str, str] = {}
        for raw in self._list(entry, "ConditionKeys", what):
            item = self._mapping(raw, f"{what}: a condition key", entry)
            name = item.get("Name")
            if not isinstance(name, str) or not name.lower().startswith(f"{prefix}:"):
                self.fail(item, f"{what}: a condition key needs a 'Name' that starts {prefix}:")
            types = self._strings(item, "Types", f"{what}: condition key {name!r}") or ["String"]
            unknown = [kind for kind in types if kind not in KEY_TYPES]
            if unknown:
                self.fail(item, f"{what}: condition key {name!r} has unknown type {unknown[0]!r}")
            keys[name.lower()] = types[0]
        return keys

    def _resources(
        self, entry: dict[str, Any], prefix: str, keys: Mapping[str, str], what: str
    ) -> dict[str, ResourceType]:
        found: dict[str, ResourceType] = {}
        for raw in self._list(entry, "Resources", what):
            item = self._mapping(raw, f"{what}: a resource type", entry)
            name = self._name(item, _RESOURCE, f"{what}: a resource type")
            formats = self._strings(item, "ARNFormats", f"{what}: resource type {name!r}")
            if not formats:
                self.fail(item, f"{what}: resource type {name!r} needs 'ARNFormats'")
            for arn in formats:
                parts = arn.split(":", 5)
                if len(parts) < 6 or parts[0] != "arn" or parts[2] != prefix:
                    self.fail(
                        item,
                        f"{what}: ARN format {arn!r} must be arn:PARTITION:{prefix}:REGION:"
                        "ACCOUNT:RESOURCE",
                    )
            own = self._strings(item, "ConditionKeys", f"{what}: resource type {name!r}")
            self._known_keys(own, keys, item, what)
            found[name.lower()] = ResourceType.build(name, formats, own)
        return found

    def _action(
        self,
        raw: object,
        entry: dict[str, Any],
        prefix: str,
        keys: Mapping[str, str],
        resource_types: Mapping[str, ResourceType],
    ) -> ActionSpec:
        item = self._mapping(raw, f"service {prefix!r}: an action", entry)
        name = self._name(item, _ACTION, f"service {prefix!r}: an action")
        what = f"action {prefix}:{name}"
        own = self._strings(item, "ActionConditionKeys", what)
        self._known_keys(own, keys, item, what)
        taken: list[ActionResource] = []
        for raw_resource in self._list(item, "Resources", what):
            resource = self._mapping(raw_resource, f"{what}: a resource", item)
            resource_name = resource.get("Name")
            if not isinstance(resource_name, str) or resource_name.lower() not in resource_types:
                problem = f"{what}: resource {resource_name!r} is not in the service's Resources"
                self.fail(resource, problem)
            taken.append(ActionResource(str(resource_name), bool(resource.get("Required"))))
        return ActionSpec(prefix, name, tuple(taken), tuple(own))

    def _known_keys(
        self, names: list[str], keys: Mapping[str, str], owner: object, what: str
    ) -> None:
        for name in names:
            if name.lower() not in keys and not is_global_key(name):
                self.fail(owner, f"{what}: condition key {name!r} is not in ConditionKeys")


# --- the file named by the environment, reloaded on change -------------------------------------
class _Loaded:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.versions: dict[str, tuple[tuple[int, int], dict[str, ServiceSpec]]] = {}


_LOADED = _Loaded()


def operator_services(env: Mapping[str, str] | None = None) -> dict[str, ServiceSpec]:
    """The services of the catalogue file ``ROLEGATE_SERVICE_CATALOG`` names (none without one),
    read again when the file changes; a broken change keeps the last good version (logged)."""
    env = os.environ if env is None else env
    path = env.get(CATALOG_ENV)
    if not path:
        return {}
    try:
        stat = os.stat(path)
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        version = (-1, -1)
        log.error("service catalogue %s: %s", path, exc)
    known = _LOADED.versions.get(path)
    if known is not None and (known[0] == version or version == (-1, -1)):
        return known[1]
    with _LOADED.lock:
        known = _LOADED.versions.get(path)
        if known is not None and known[0] == version:
            return known[1]
        try:
            services = load_services(path)
        except ServiceCatalogError as exc:
            if known is None:
                raise
            log.error("service catalogue not reloaded, keeping the last good version: %s", exc)
            services = known[1]
        _LOADED.versions[path] = (version, services)
        return services


_REFERENCE: list[tuple[dict[str, ServiceSpec], ServiceReference]] = []


def service_reference(env: Mapping[str, str] | None = None) -> ServiceReference:
    """AWS's services and the operator's current ones, as one :class:`ServiceReference`."""
    services = operator_services(env)
    remembered = _REFERENCE[0] if _REFERENCE else None
    if remembered is not None and remembered[0] is services:
        return remembered[1]
    reference = ServiceReference(services)
    _REFERENCE[:] = [(services, reference)]  # one atomic store
    return reference
