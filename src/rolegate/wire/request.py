"""AWS Query request parsing: flat form parameters -> nested params, validated against the shape.

The flat keys botocore's ``QuerySerializer`` writes (``Tags.member.1.Key``, ``Map.entry.1.value``,
flattened lists ``Item.1``) are first split on ``.`` into a tree, then the input shape is walked
over that tree. Choices where AWS's exact behaviour is not documented (each one is a stated
decision, pinned by tests):

* Unknown parameters are ignored, as AWS's Query services do (AWS documents the common parameters
  only; SDKs of any age send members a service may not know, and IAM answers them normally).
* List items are read from index 1 upward until the first missing index, as botocore writes them.
* An integer/boolean/timestamp/blob that does not parse is answered before any constraint check
  with ``InvalidParameterValue`` "Value (<raw>) for parameter <Key> is invalid. <reason>". AWS
  does not document IAM's answer here and SDKs never send such values; the code and wording
  are rolegate's choice (modelled on the "Value (x) for parameter Y is invalid" texts of AWS
  Query services), not a verified copy of IAM's.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import regex

from rolegate.domain.errors import InvalidParameterValue
from rolegate.wire.shapes import ShapeSpec
from rolegate.wire.validation import ViolationCollector, member_constraints, scalar_violations

_INTEGER = regex.compile(r"[+-]?[0-9]+")
_CONSTRAINT_MARKER = "failed to satisfy constraint: "
_JAVA_INT_RANGE = (-(2**31), 2**31 - 1)
_JAVA_LONG_RANGE = (-(2**63), 2**63 - 1)


class FormNode:
    """One key segment of the flat form: its own value (if the exact key was sent) and children."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, FormNode] = {}


def build_form_tree(form: Mapping[str, str], skip: frozenset[str]) -> FormNode:
    root = FormNode()
    for key, value in form.items():
        if key in skip:
            continue
        node = root
        for part in key.split("."):
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = FormNode()
            node = child
        node.value = value
    return root


class RequestReader:
    """Walks an input shape over a :class:`FormNode` tree, collecting constraint violations."""

    __slots__ = ("violations",)

    def __init__(self, violations: ViolationCollector) -> None:
        self.violations = violations

    def read_structure(
        self, spec: ShapeSpec, node: FormNode, path: str, key: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        children = node.children
        for member in spec.members:
            member_spec = member.shape
            lookup = member.query_name
            child = children.get(lookup)
            if child is None and member_spec.flattened and member_spec.item_location_name:
                # A flattened list is sent under the member's name (AWS) or, by botocore, under
                # the item's locationName; accept both.
                lookup = member_spec.item_location_name
                child = children.get(lookup)
            member_path = f"{path}.{member.path_name}" if path else member.path_name
            member_key = f"{key}.{lookup}" if key else lookup
            value = (
                None
                if child is None
                else self.read_value(member_spec, child, member_path, member_key)
            )
            if value is None:
                if member.required:
                    self.violations.missing(member_path)
                continue
            result[member.name] = value
        return result

    def read_value(self, spec: ShapeSpec, node: FormNode, path: str, key: str) -> Any:
        kind = spec.kind
        if kind == "structure":
            return self.read_structure(spec, node, path, key)
        # A container's own constraints are reported before those of its items.
        position = len(self.violations.messages)
        if kind == "list":
            value: Any = self._read_list(spec, node, path, key)
        elif kind == "map":
            value = self._read_map(spec, node, path, key)
        else:
            raw = node.value
            if raw is None:
                return None
            value = convert_scalar(spec, raw, key)
        if value is None:
            return None
        for constraint in scalar_violations(spec, value):
            self.violations.failed(path, value, spec, constraint, position=position)
            position += 1
        return value

    def _read_list(self, spec: ShapeSpec, node: FormNode, path: str, key: str) -> list[Any] | None:
        item_spec = spec.item
        assert item_spec is not None
        if spec.flattened:
            items_node: FormNode | None = node
            items_key = key
        else:
            items_node = node.children.get(spec.item_name)
            items_key = f"{key}.{spec.item_name}"
        if items_node is None:
            # "Tags=" is how an empty list is sent; a bare "Tags.x=1" is not a list at all.
            return [] if node.value is not None else None
        items: list[Any] = []
        scalar_items = item_spec.kind not in ("structure", "list", "map")
        any_item_failed = False
        index = 1
        while True:
            item_node = items_node.children.get(str(index))
            if item_node is None:
                break
            item_key = f"{items_key}.{index}"
            if scalar_items:
                # A list of scalars is judged as a whole: one failure at the list's path that
                # names every constraint of its members (AWS's "Member must satisfy constraint").
                item = (
                    None
                    if item_node.value is None
                    else convert_scalar(item_spec, item_node.value, item_key)
                )
                if item is None or scalar_violations(item_spec, item):
                    any_item_failed = True
            else:
                item = self.read_value(item_spec, item_node, f"{path}.{index}.member", item_key)
            items.append(item)
            index += 1
        if any_item_failed:
            self.violations.failed(path, items, spec, member_constraints(item_spec))
        return items

    def _read_map(
        self, spec: ShapeSpec, node: FormNode, path: str, key: str
    ) -> dict[Any, Any] | None:
        key_spec, value_spec = spec.key, spec.value
        assert key_spec is not None and value_spec is not None
        if spec.flattened:
            entries_node: FormNode | None = node
            entries_key = key
        else:
            entries_node = node.children.get("entry")
            entries_key = f"{key}.entry"
        if entries_node is None:
            return {} if node.value is not None else None
        result: dict[Any, Any] = {}
        key_failures: list[str] = []
        value_failures: list[str] = []
        index = 1
        while True:
            entry = entries_node.children.get(str(index))
            if entry is None:
                break
            entry_key = f"{entries_key}.{index}"
            key_node = entry.children.get(spec.key_name)
            value_node = entry.children.get(spec.value_name)
            map_key = self._map_part(
                key_spec, key_node, f"{entry_key}.{spec.key_name}", key_failures
            )
            map_value = self._map_part(
                value_spec, value_node, f"{entry_key}.{spec.value_name}", value_failures
            )
            if map_key is not None:
                result[map_key] = map_value
            index += 1
        if key_failures:
            self.violations.failed(
                path, result, spec, f"Map keys must satisfy constraint: [{', '.join(key_failures)}]"
            )
        if value_failures:
            self.violations.failed(
                path,
                result,
                spec,
                f"Map value must satisfy constraint: [{', '.join(value_failures)}]",
            )
        return result

    def _map_part(
        self, spec: ShapeSpec, node: FormNode | None, key: str, failures: list[str]
    ) -> Any:
        if node is None:
            return None
        if spec.kind in ("structure", "list", "map"):
            # Nested containers in a map: report their failures as the map's own.
            nested = ViolationCollector(echo_strings=False)
            value = RequestReader(nested).read_value(spec, node, "", key)
            failures.extend(message.split(_CONSTRAINT_MARKER, 1)[-1] for message in nested.messages)
            return value
        if node.value is None:
            return None
        value = convert_scalar(spec, node.value, key)
        for constraint in scalar_violations(spec, value):
            if constraint not in failures:
                failures.append(constraint)
        return value


def convert_scalar(spec: ShapeSpec, raw: str, key: str) -> Any:
    """A form string as the shape's Python type (int, bool, datetime, bytes or str)."""
    kind = spec.kind
    if kind == "string":
        return raw
    if kind in ("integer", "long"):
        if _INTEGER.fullmatch(raw) is None:
            raise _invalid(raw, key, "Expected an integer.")
        number = int(raw)
        low, high = _JAVA_INT_RANGE if kind == "integer" else _JAVA_LONG_RANGE
        if not low <= number <= high:
            raise _invalid(raw, key, "The value is out of range.")
        return number
    if kind == "boolean":
        lowered = raw.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise _invalid(raw, key, "Expected true or false.")
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise _invalid(raw, key, "Expected a number.") from None
    if kind == "timestamp":
        return parse_timestamp(raw, key)
    if kind == "blob":
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(raw, key, "Expected base64-encoded data.") from None
    return raw


def parse_timestamp(raw: str, key: str) -> datetime:
    """ISO-8601 (as botocore sends) or epoch seconds; always returned timezone-aware in UTC."""
    try:
        if regex.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
            return datetime.fromtimestamp(float(raw), tz=UTC)
        parsed = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        raise _invalid(raw, key, "Expected an ISO-8601 timestamp.") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _invalid(raw: str, key: str, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Value ({raw}) for parameter {key} is invalid. {reason}")
